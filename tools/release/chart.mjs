#!/usr/bin/env node
// The chart half of `pnpm release`: the chart generated from deployments/engram.deploy.yaml,
// packaged at the released version and pushed to an OCI registry.
//
//   node tools/release/chart.mjs package   lint it and package it into dist/chart/ (before anything is published)
//   node tools/release/chart.mjs push      push that package to ENGRAM_CHART_REGISTRY
//
// Versions: the chart's `version` is the version changesets gave the packages (they are released
// together, so @engram/helm's is every package's); its `appVersion` is the model's appVersion,
// which the generated Chart.yaml already carries.
//
// Environment:
//   ENGRAM_CHART_REGISTRY      required: where the chart goes, as helm push takes it (oci://HOST[:PORT]/PATH)
//   ENGRAM_CHART_REGISTRY_CA   optional: a CA file that signed the registry's certificate
//   HELM_REGISTRY_CONFIG       optional: helm's own; credentials from an earlier `helm registry login`
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const workspaceRoot = join(dirname(fileURLToPath(import.meta.url)), '../..');
const chartDir = join(workspaceRoot, 'deployments/helm/engram');
const outputDir = join(workspaceRoot, 'dist/chart');
// A registry reference as helm push takes it: oci://, a host (with an optional port), a path.
const registryGrammar = /^oci:\/\/[A-Za-z0-9.-]+(:[0-9]{1,5})?(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/;

function fail(message) {
  console.error(`release chart: ${message}`);
  process.exit(1);
}

function registry() {
  const value = process.env.ENGRAM_CHART_REGISTRY;
  if (!value)
    fail('ENGRAM_CHART_REGISTRY is not set: expected the OCI registry the chart is pushed to, such as oci://registry.example.com/charts');
  if (!registryGrammar.test(value))
    fail(`ENGRAM_CHART_REGISTRY: expected oci://HOST[:PORT]/PATH (lower-case path), given ${JSON.stringify(value)}`);
  const ca = process.env.ENGRAM_CHART_REGISTRY_CA;
  if (ca && !existsSync(ca)) fail(`ENGRAM_CHART_REGISTRY_CA: expected a CA certificate file, given ${JSON.stringify(ca)}, which does not exist`);
  return { reference: value, ca };
}

/** helm's stdout and stderr together (push reports the digest on one or the other, by version). */
function helm(args) {
  const result = spawnSync('helm', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (result.error?.code === 'ENOENT') fail('helm is not on PATH: the chart is packaged and pushed with helm 3.8 or newer');
  if (result.error) fail(`helm ${args.join(' ')} could not run: ${result.error.message}`);
  if (result.status !== 0) fail(`helm ${args.join(' ')} exited ${result.status}\n${result.stdout}${result.stderr}`);
  return result.stdout + result.stderr;
}

function versions() {
  const { version } = JSON.parse(readFileSync(join(workspaceRoot, 'packages/helm/package.json'), 'utf8'));
  if (!existsSync(join(chartDir, 'Chart.yaml'))) fail(`${chartDir}/Chart.yaml is missing: run \`pnpm generate\` first`);
  const { appVersion } = parse(readFileSync(join(chartDir, 'Chart.yaml'), 'utf8'));
  return { version, appVersion };
}

const packagePath = ({ version }) => join(outputDir, `engram-${version}.tgz`);

function packageChart() {
  registry(); // refuse before anything is published, not after
  const chartVersions = versions();
  helm(['lint', '--strict', chartDir]);
  rmSync(outputDir, { recursive: true, force: true });
  mkdirSync(outputDir, { recursive: true });
  helm(['package', chartDir, '--version', chartVersions.version, '--app-version', chartVersions.appVersion, '--destination', outputDir]);
  if (!existsSync(packagePath(chartVersions))) fail(`helm package wrote no ${packagePath(chartVersions)}`);
  console.log(`release chart: packaged engram ${chartVersions.version} (appVersion ${chartVersions.appVersion}) into ${packagePath(chartVersions)}`);
}

function pushChart() {
  const { reference, ca } = registry();
  const chartVersions = versions();
  const archive = packagePath(chartVersions);
  if (!existsSync(archive)) fail(`${archive} is missing: \`node tools/release/chart.mjs package\` runs first`);
  const output = helm(['push', archive, reference, ...(ca ? ['--ca-file', ca] : [])]);
  const digest = /Digest:\s*(sha256:[0-9a-f]{64})/.exec(output)?.[1];
  if (!digest) fail(`helm push printed no digest:\n${output}`);
  console.log(`release chart: pushed ${reference}/engram:${chartVersions.version}@${digest}`);
}

const steps = { package: packageChart, push: pushChart };
const step = steps[process.argv[2]];
if (!step) fail(`expected one step, ${Object.keys(steps).join(' or ')}; given ${JSON.stringify(process.argv[2] ?? '')}`);
step();
