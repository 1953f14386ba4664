export interface GuideGeneratorSchema {
  config?: string;
  path?: string;
}
