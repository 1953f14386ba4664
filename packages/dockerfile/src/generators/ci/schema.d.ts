export interface CiGeneratorSchema {
  config?: string;
  workflow?: string;
  checkScript?: string;
  dockerDirectory?: string;
  kubernetesDirectory?: string;
  chartDirectory?: string;
}
