export {
  chartFiles,
  chartSections,
  chartValues,
  renderChartReadme,
  renderChartYaml,
  renderValuesSchema,
  renderValuesYaml,
} from './render-chart';
export { chartGenerator } from './generators/chart/generator';
export { initGenerator } from './generators/init/generator';
