// What `nx add` runs for this package: make sure a deployment model exists (the shared init).
export { initGenerator, initGenerator as default } from '@engram/config-schema';
