export interface DockerfileGeneratorSchema {
  config?: string;
  directory?: string;
}
