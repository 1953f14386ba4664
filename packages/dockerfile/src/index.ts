export { renderDockerfile, renderDockerignore } from './render-dockerfile';
export { dockerfileFiles, dockerfileGenerator } from './generators/dockerfile/generator';
export { initGenerator } from './generators/init/generator';
