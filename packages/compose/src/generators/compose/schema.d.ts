export interface ComposeGeneratorSchema {
  config?: string;
  directory?: string;
}
