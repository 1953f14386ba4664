export interface DockerfileInitSchema {
  config?: string;
}
