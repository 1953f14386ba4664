/**
 * A free-form part of the model (tolerations, extra volumes, ...) as the Kubernetes type it holds.
 * The model only checks its shape loosely; the Kubernetes API validates it.
 */
export function asKubernetes<T>(value: unknown): T {
  return structuredClone(value) as T;
}
