export interface SystemdGeneratorSchema {
  config?: string;
  directory?: string;
}
