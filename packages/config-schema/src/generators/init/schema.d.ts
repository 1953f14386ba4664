export interface InitGeneratorSchema {
  config?: string;
  name?: string;
}
