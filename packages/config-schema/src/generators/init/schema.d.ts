export interface InitGeneratorSchema {
  config?: string;
  name?: string;
  skipFormat?: boolean;
}
