import type { EngramDeployModel } from './normalize';

/** Absolute path of Engram's config file inside the container. */
export function configFilePath(model: EngramDeployModel): string {
  return `${model.runtime.configHome}/${model.runtime.configFile}`;
}

/** Exec-form health check: the binary and its arguments (no shell in the image). */
export function healthCheckCommand(model: EngramDeployModel): string[] {
  return [model.runtime.binaryPath, ...model.runtime.healthCheck.command];
}

export interface ImageParts {
  readonly repository: string;
  readonly tag: string;
  readonly digest: string;
}

/** A reference's first segment is a registry when it has a dot or a port, or is localhost. */
function splitRegistry(repository: string): { registry: string; path: string } {
  const [first, ...rest] = repository.split('/');
  if (rest.length > 0 && first && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    return { registry: first, path: rest.join('/') };
  }
  return { registry: '', path: repository };
}

/** `repository:tag@digest`, with `image.registry` (air-gapped mirror) replacing the registry. */
export function imageReference(image: ImageParts, registryOverride = ''): string {
  const { registry, path } = splitRegistry(image.repository);
  const host = registryOverride || registry;
  const name = host ? `${host}/${path}` : path;
  return `${name}${image.tag ? `:${image.tag}` : ''}${image.digest ? `@${image.digest}` : ''}`;
}

/** Parses `repository[:tag][@digest]`, as written in the model's monitoring image fields. */
export function parseImageReference(reference: string): ImageParts {
  const [withoutDigest, digest = ''] = reference.split('@') as [string, string?];
  const slash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.lastIndexOf(':');
  const hasTag = colon > slash;
  return {
    repository: hasTag ? withoutDigest.slice(0, colon) : withoutDigest,
    tag: hasTag ? withoutDigest.slice(colon + 1) : '',
    digest,
  };
}

export function engramImage(model: EngramDeployModel): string {
  return imageReference(model.image, model.image.registry);
}

export function builderImage(model: EngramDeployModel): string {
  return imageReference(model.build.builderImage, model.image.registry);
}

export function runtimeBaseImage(model: EngramDeployModel): string {
  return imageReference(model.build.runtimeImage, model.image.registry);
}

export function dockerfileFrontendImage(model: EngramDeployModel): string {
  return imageReference(parseImageReference(model.build.dockerfileFrontend), model.image.registry);
}

export function monitoringImage(model: EngramDeployModel, reference: string): string {
  return imageReference(parseImageReference(reference), model.image.registry);
}
