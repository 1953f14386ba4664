export interface DocsGeneratorSchema {
  path?: string;
}
