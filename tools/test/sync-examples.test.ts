import { describe, expect, it } from 'vitest';
import { exampleOptions } from '../sync/deployments';

describe('the options that point a listed generator at an example', () => {
  it('give the example model and move default output paths under the example folder', () => {
    const moved = exampleOptions(
      { config: 'deployments/engram.deploy.yaml', directory: 'deployments/kubernetes', name: 'engram' },
      {},
      'examples/production',
    );
    expect(moved).toEqual({
      config: 'examples/production/engram.deploy.yaml',
      directory: 'examples/production/kubernetes',
    });
  });

  it('move an output path the list gives explicitly, so two examples never write one file', () => {
    const moved = exampleOptions(
      { config: 'deployments/engram.deploy.yaml', workflow: '.github/workflows/engram-deploy.yml' },
      { workflow: 'deployments/ci/engram-deploy.yml' },
      'examples/minimal-dev',
    );
    expect(moved).toEqual({
      config: 'examples/minimal-dev/engram.deploy.yaml',
      workflow: 'examples/minimal-dev/ci/engram-deploy.yml',
    });
  });

  it('move a document written from the model under the example docs folder', () => {
    const moved = exampleOptions(
      { config: 'deployments/engram.deploy.yaml', output: 'docs/operations/production-deployment.md' },
      {},
      'examples/production',
    );
    expect(moved).toEqual({
      config: 'examples/production/engram.deploy.yaml',
      output: 'examples/production/docs/operations/production-deployment.md',
    });
  });

  it('skip a generator that reads no model', () => {
    expect(exampleOptions({ output: 'docs/reference/configuration.md' }, {}, 'examples/default')).toBeUndefined();
  });
});
