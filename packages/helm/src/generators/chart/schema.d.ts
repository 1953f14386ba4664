export interface ChartGeneratorSchema {
  config?: string;
  directory?: string;
}
