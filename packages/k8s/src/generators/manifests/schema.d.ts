export interface ManifestsGeneratorSchema {
  config?: string;
  directory?: string;
}
