import { layoutFor } from './bare-metal-layout';
import { dashboardPanels, scrapeJob } from './metrics';
import type { EngramDeployModel } from './normalize';
import { dockerCpus, dockerMemory } from './quantity';
import { renderContainerEnv } from './render-container-env';
import { engramMetricFamilies, startArguments } from './runtime-contract';
import { configFilePath, engramImage } from './runtime-profile';
import { shellCommand, shellQuote } from './shell';

/** Engram's embedding width: every remembered memory carries one vector of this many numbers. */
export const embeddingDimensions = 768;

/** Where the generators write each target, relative to the root of an Engram checkout. */
export const guidePaths = {
  dockerfile: 'deployments/docker/Dockerfile',
  composeDirectory: 'deployments/docker',
  kubernetesDirectory: 'deployments/kubernetes',
  chartDirectory: 'deployments/helm/engram',
  systemdDirectory: 'deployments/systemd',
  securityChecklist: '../security-checklist.md',
  configurationReference: '../reference/configuration.md',
} as const;

/**
 * The marker of a shell block a test runs: ```` ```sh doctest:<path>[:<step>] ````. `path` names the
 * environment (docker, compose, kubernetes, helm, systemd, verify, troubleshoot-<id>); `step` tells
 * the runner when to run it (build, teardown, cause, diagnose, fix). Blocks no test can run carry
 * ```` ```sh illustrative ```` and a sentence saying why.
 */
export type BlockMarker = `doctest:${string}` | 'illustrative';

function fence(marker: BlockMarker, lines: readonly string[]): string {
  const body = lines.join('\n');
  const longest = Math.max(2, ...(body.match(/`+/g) ?? []).map((run) => run.length));
  const ticks = '`'.repeat(longest + 1);
  return `${ticks}sh ${marker}\n${body}\n${ticks}`;
}

/** Inline code that holds any text, backticks included. */
function code(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const ticks = '`'.repeat(longest + 1);
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${ticks}${pad}${text}${pad}${ticks}`;
}

/** Address a client on the same host uses for a published port. */
function localAddress(publishAddress: string): string {
  return publishAddress === '' || publishAddress === '0.0.0.0' || publishAddress === '::'
    ? '127.0.0.1'
    : publishAddress;
}

export interface DockerRunOptions {
  /** Host port the HTTP port is published on (default: the model's HTTP port). */
  hostHttpPort?: number;
  /** Environment set after the model's, so it overrides it. */
  env?: readonly { name: string; value: string }[];
  /** Where the config file is mounted in the container (default: where Engram reads it). */
  configTarget?: string;
  /** Arguments after the image (default: the model's start arguments). */
  args?: readonly string[];
  /** Memory limit in Docker's notation, e.g. `64m` (default: the model's limit). */
  memoryLimit?: string;
}

/** The `docker run` line of the Docker section, split in readable lines. */
export function dockerRunLines(model: EngramDeployModel, options: DockerRunOptions = {}): string[] {
  const { compose, ports, runtime, resources } = model;
  const publish = compose.publishAddress;
  const hostHttp = options.hostHttpPort ?? ports.http;
  const configSource = `"$PWD"/${shellQuote(`${guidePaths.composeDirectory}/config/${runtime.configFile}`)}`;
  const env = [...renderContainerEnv(model), ...(options.env ?? [])];
  const lines = [
    `docker run --detach --name ${shellQuote(compose.containerName)} --hostname ${shellQuote(compose.hostname)} \\`,
    `  --publish ${shellQuote(`${publish}:${hostHttp}:${ports.http}`)} --publish ${shellQuote(`${publish}:${ports.grpc}:${ports.grpc}`)} \\`,
    `  --volume ${shellQuote(`${compose.dataVolume.name}:${runtime.dataDir}`)} \\`,
    `  --volume ${configSource}:${shellQuote(`${options.configTarget ?? configFilePath(model)}:ro`)} \\`,
    ...env.map((variable) => `  --env ${shellQuote(`${variable.name}=${variable.value}`)} \\`),
    `  --read-only --tmpfs ${shellQuote(`${runtime.tmpDir}:size=${dockerMemory(runtime.tmpSize)},mode=1777`)} \\`,
    `  --cap-drop ALL --security-opt no-new-privileges:true \\`,
  ];
  const limits: string[] = [];
  const memory = options.memoryLimit ?? (resources.limits.memory ? dockerMemory(resources.limits.memory) : '');
  if (memory) limits.push(`--memory ${shellQuote(memory)}`);
  if (resources.limits.cpu) limits.push(`--cpus ${shellQuote(dockerCpus(resources.limits.cpu))}`);
  lines.push(`  ${[...limits, `--restart ${shellQuote(compose.restart)}`].join(' ')} \\`);
  lines.push(`  ${shellCommand([engramImage(model), ...(options.args ?? startArguments(model))])}`);
  return lines;
}

/** Waits (two minutes at most) until Docker reports the container healthy, then says so. */
export function waitHealthyLines(container: string): string[] {
  const name = shellQuote(container);
  return [
    'for attempt in $(seq 60); do',
    `  [ "$(docker inspect --format '{{.State.Health.Status}}' ${name})" = healthy ] && break`,
    '  sleep 2',
    'done',
    `docker inspect --format '{{.State.Health.Status}}' ${name} | grep -x healthy`,
  ];
}

/** Waits (two minutes at most) until a URL answers, then prints its answer. */
function waitForUrlLines(url: string): string[] {
  const quoted = shellQuote(url);
  return [
    'for attempt in $(seq 60); do',
    `  curl -fsS ${quoted} >/dev/null 2>&1 && break`,
    '  sleep 2',
    'done',
    `curl -fsS ${quoted} && echo alive`,
  ];
}

export interface TroubleshootingEntry {
  id: string;
  title: string;
  /** What the operator sees, exactly (reproduced by the troubleshooting tests); one line per variant. */
  symptom: string;
  /** Where the symptom shows. */
  symptomWhere: string;
  cause: string;
  diagnose: string[];
  diagnosis: string;
  fixText: string;
  fix: string[];
}

/**
 * A small image with a shell and coreutils, for one-shot containers on the data volume (Engram's
 * own image has no shell).
 */
export const toolImage = 'docker.io/library/busybox:1.37';

/** The client Deployment the NetworkPolicy entry uses as its example, and its `app` label. */
export const exampleClient = 'memory-client';

/** `kubectl apply` of the generated manifests, then the wait for the rollout (sections 4 and 9). */
function applyManifestsLines(model: EngramDeployModel): string[] {
  return [
    `kubectl apply --kustomize ${shellQuote(guidePaths.kubernetesDirectory)}`,
    `kubectl --namespace ${shellQuote(model.kubernetes.namespace)} rollout status statefulset/${shellQuote(model.name)} --timeout=300s`,
  ];
}

/** The failures the guide's troubleshooting section covers, each reproduced by a test. */
export function troubleshootingEntries(model: EngramDeployModel): TroubleshootingEntry[] {
  return [...dockerTroubleshooting(model), ...kubernetesTroubleshooting(model)];
}

function dockerTroubleshooting(model: EngramDeployModel): TroubleshootingEntry[] {
  const { compose, ports, runtime, security } = model;
  const container = shellQuote(compose.containerName);
  const owner = `${security.runAsUser}:${security.runAsGroup}`;
  const defaultSpace = model.engram.memorySpaces.defaultSpace;
  const host = localAddress(compose.publishAddress);
  const freePort = ports.http + 10000 <= 65535 ? ports.http + 10000 : ports.http - 1;
  const rerun = [
    `docker rm --force ${container}`,
    ...dockerRunLines(model),
    ...waitHealthyLines(compose.containerName),
  ];
  return [
    {
      id: 'port-taken',
      title: 'The host port is already taken',
      symptomWhere: `${code('docker run')} fails and leaves the container created but not running:`,
      symptom: `Error starting userland proxy: listen tcp4 ${host}:${ports.http}: bind: address already in use`,
      cause: `Another program (often an Engram started earlier outside Docker) listens on port ${ports.http}.`,
      diagnose: [`ss -ltnp ${shellQuote(`sport = :${ports.http}`)}`],
      diagnosis: 'The line shows the program holding the port and its process id.',
      fixText: `Stop that program, or publish Engram on a free host port (here ${freePort}; set the same port in your clients):`,
      fix: [
        `docker rm --force ${container}`,
        ...dockerRunLines(model, { hostHttpPort: freePort }),
        ...waitForUrlLines(`http://${host}:${freePort}${runtime.health.livenessPath}`),
      ],
    },
    {
      id: 'unknown-flag',
      title: 'An unknown command-line flag: exit status 2',
      symptomWhere: `The container stops at once and Docker keeps restarting it (${code('docker ps')} shows ${code('Restarting (2)')}; in Kubernetes the Pod goes to ${code('CrashLoopBackOff')}). Its log starts with:`,
      symptom: `error: unexpected argument '--http-port' found`,
      cause: `Engram's HTTP port flag is ${code(model.runtime.flags.httpPort)}; there is no ${code('--http-port')}, and an unknown flag makes Engram exit with status 2 before it starts.`,
      diagnose: [
        `docker inspect --format 'restarts: {{.RestartCount}}' ${container}`,
        `docker logs ${container} 2>&1 | grep 'error:'`,
      ],
      diagnosis:
        'The restart count grows, and every start logs the same line naming the flag. Compare the command with the one below.',
      fixText: 'Start it again with the flags the model renders:',
      fix: rerun,
    },
    {
      id: 'bind-localhost',
      title: 'Engram listens on 127.0.0.1 inside the container',
      symptomWhere: 'The container runs, but every request through the published port fails with one of:',
      symptom: ['curl: (56) Recv failure: Connection reset by peer', 'curl: (52) Empty reply from server'].join('\n'),
      cause: `Engram binds its HTTP API to 127.0.0.1 unless told otherwise, so nothing outside the container (published ports, Kubernetes probes) reaches it. The model sets ${code('ENGRAM_HTTP_BIND')} to ${code(model.engram.server.httpBind)}.`,
      diagnose: [`docker logs ${container} 2>&1 | grep 'HTTP API server listening'`],
      diagnosis: `The line shows ${code('http_bind=127.0.0.1')}.`,
      fixText: `Start it again with ${code(`ENGRAM_HTTP_BIND=${model.engram.server.httpBind}`)} (the command of the Docker section sets it):`,
      fix: rerun,
    },
    {
      id: 'config-ignored',
      title: 'The config file is in a place Engram never reads',
      symptomWhere: `Engram starts and is healthy, but your settings have no effect. For example a space listed in ${code('bootstrap_spaces')} is missing: ${code(`docker exec ${compose.containerName} ${runtime.binaryPath} space list`)} lists only the default space:`,
      symptom: `${model.engram.memorySpaces.defaultSpace.padEnd(22)}${runtime.dataDir}/${model.engram.memorySpaces.defaultSpace}`,
      cause: `Engram reads only ${code('$XDG_CONFIG_HOME/engram/config.toml')} (here ${code(configFilePath(model))}); no flag or variable names another file, and a missing file silently means built-in defaults.`,
      diagnose: [`docker inspect --format '{{range .Mounts}}{{println .Destination}}{{end}}' ${container}`],
      diagnosis: `The config file must be mounted at ${code(configFilePath(model))}.`,
      fixText: 'Mount it there (the command of the Docker section does) and check that the space is now listed:',
      fix: [...rerun, `docker exec ${container} ${shellQuote(runtime.binaryPath)} space list`],
    },
    {
      id: 'volume-owner',
      title: 'The data volume belongs to another user',
      symptomWhere: `The container stops at once and Docker keeps restarting it (${code('docker ps')} shows ${code('Restarting (1)')}). Its log ends with:`,
      symptom: `Error: Failed to prepare persistence directory '${runtime.dataDir}/${defaultSpace}/wal' for space '${defaultSpace}'`,
      cause: `Engram runs as uid ${security.runAsUser} (group ${security.runAsGroup}) and must be able to write everything in its data volume. Docker gives a new, empty volume the image's ownership, but a volume that already holds files written by another user (a backup restored as root, data copied in by hand, an earlier image that ran as another user) keeps their owner, and Engram gets "Permission denied".`,
      diagnose: [
        `docker run --rm --volume ${shellQuote(`${compose.dataVolume.name}:${runtime.dataDir}`)} ${toolImage} find ${shellQuote(runtime.dataDir)} '!' -user ${security.runAsUser} -exec ls -lnd '{}' +`,
      ],
      diagnosis: `It lists every file and directory of the volume that uid ${security.runAsUser} does not own (the third column is the owner's uid); a healthy volume lists nothing.`,
      fixText: `Stop Engram, give the volume to Engram's user (${code(owner)}) with a one-shot container, and start it again:`,
      fix: [
        `docker rm --force ${container}`,
        `docker run --rm --volume ${shellQuote(`${compose.dataVolume.name}:${runtime.dataDir}`)} ${toolImage} chown -R ${owner} ${shellQuote(runtime.dataDir)}`,
        ...dockerRunLines(model),
        ...waitHealthyLines(compose.containerName),
      ],
    },
    {
      id: 'oom-killed',
      title: 'Engram is killed for lack of memory (OOMKilled)',
      symptomWhere: `Engram restarts again and again, its log stops in the middle of the start without an error, and ${code('docker ps')} shows the status (in Kubernetes, ${code('kubectl describe pod')} shows ${code('Last State: Terminated')} with ${code('Reason: OOMKilled')}):`,
      symptom: 'Restarting (137)',
      cause: `The container's memory limit is below what Engram needs, so the kernel kills it (signal 9, exit status 137). Engram has been seen killed at start under 256 MiB and 512 MiB and serving under 1 GiB; the model's limit is ${model.resources.limits.memory}.`,
      diagnose: [
        `docker inspect --format 'memory limit: {{.HostConfig.Memory}} bytes' ${container}`,
        `docker events --since 10m --until 0s --filter ${shellQuote(`container=${compose.containerName}`)} --filter event=oom --format '{{.Action}} {{.Actor.Attributes.name}}'`,
      ],
      diagnosis:
        'Each `oom` line is one kill by the kernel in the last ten minutes; the limit is the one the container runs with (0 means none).',
      fixText: `Start it again with the model's limit (raise ${code('resources.limits.memory')} in the model and regenerate if Engram still gets killed as its data grows):`,
      fix: rerun,
    },
  ];
}

function kubernetesTroubleshooting(model: EngramDeployModel): TroubleshootingEntry[] {
  const { kubernetes, networkPolicy, ports, runtime } = model;
  const namespace = shellQuote(kubernetes.namespace);
  const kubectl = `kubectl --namespace ${namespace}`;
  const statefulSet = shellQuote(model.name);
  const podName = `${model.name}-0`;
  // The StatefulSet's claim template is named `data` (packages/k8s, objectNames): claim data-<pod>.
  const claimName = `data-${podName}`;
  const clientLabel = `${networkPolicy.clientLabel.key}=${networkPolicy.clientLabel.value}`;
  const labelPatch = JSON.stringify({
    spec: { template: { metadata: { labels: { [networkPolicy.clientLabel.key]: networkPolicy.clientLabel.value } } } },
  });
  const serviceUrl = `http://${model.name}:${ports.http}${runtime.health.livenessPath}`;
  const entries: TroubleshootingEntry[] = [
    {
      id: 'pvc-pending',
      title: 'The volume claim stays Pending: its StorageClass does not exist',
      symptomWhere: `${code(`kubectl --namespace ${kubernetes.namespace} get pods,pvc`)} shows the Pod and its claim ${code('Pending')}, and ${code(`kubectl --namespace ${kubernetes.namespace} describe pvc`)} ends with an event like this one (the class is the one the claim names):`,
      symptom: 'storageclass.storage.k8s.io "premium-rwo" not found',
      cause: `The claim asks for a StorageClass the cluster does not have (${code('persistence.storageClass')} in the model, often copied from another cluster), so no volume is ever provisioned or bound, and the Pod waits for it. An empty ${code('persistence.storageClass')} uses the cluster's default class.`,
      diagnose: [`${kubectl} get pvc`, 'kubectl get storageclass'],
      diagnosis: `Compare the claim's ${code('STORAGECLASS')} with the classes the cluster lists (the default one is marked ${code('(default)')}).`,
      fixText: `Set ${code('persistence.storageClass')} in the model to a class the cluster lists, or leave it empty for the default class, and regenerate. A StatefulSet's claim template cannot be changed in place: delete the StatefulSet and the Pending claim (it holds no data yet), then apply the manifests again:`,
      fix: [
        `${kubectl} delete statefulset ${statefulSet} --wait=true`,
        `${kubectl} delete pvc ${shellQuote(claimName)} --wait=true`,
        ...applyManifestsLines(model),
        `${kubectl} get pvc`,
      ],
    },
    {
      id: 'pod-security',
      title: 'Pod Security rejects the Pod',
      symptomWhere: `${code('kubectl apply')} warns that the StatefulSet "would violate PodSecurity", the StatefulSet stays at ${code('0/1')}, no Pod appears, and ${code(`kubectl --namespace ${kubernetes.namespace} describe statefulset ${model.name}`)} shows the event (followed by the settings the Pod lacks):`,
      symptom: `pods "${podName}" is forbidden: violates PodSecurity "restricted:latest"`,
      cause: `The namespace enforces the Pod Security "restricted" level (label ${code('pod-security.kubernetes.io/enforce=restricted')}), and the Pod template lost settings the generated manifests carry: a non-root user, no privilege escalation, all capabilities dropped, the RuntimeDefault seccomp profile. An edit, a patch or another tool rewrote the StatefulSet.`,
      diagnose: [
        `kubectl get namespace ${namespace} --show-labels`,
        `${kubectl} get events --field-selector reason=FailedCreate`,
      ],
      diagnosis: 'The namespace carries the enforce label, and each event lists the settings the Pod lacks.',
      fixText:
        'Apply the generated manifests unchanged (they meet "restricted"); make any change in the model and regenerate rather than editing the objects:',
      fix: applyManifestsLines(model),
    },
    {
      id: 'image-pull',
      title: 'The node cannot pull the image',
      symptomWhere: `${code(`kubectl --namespace ${kubernetes.namespace} get pods`)} shows the Pod not ready (${code('0/1')}), with one of these statuses:`,
      symptom: ['ErrImagePull', 'ImagePullBackOff'].join('\n'),
      cause: `No registry the node reaches has the image the StatefulSet names: a wrong tag, an image never pushed (section 4), or a private registry without ${code('image.pullSecrets')}.`,
      diagnose: [`${kubectl} describe pod ${shellQuote(podName)} | grep 'Failed to pull image'`],
      diagnosis: `The event names the image the node asked for and the registry's answer. The model's image is ${code(engramImage(model))}.`,
      fixText: `Push the model's image where the cluster pulls from (section 4), apply the generated manifests (they name it), and delete the Pod stuck on the wrong image: a StatefulSet does not replace a Pod that never became ready:`,
      fix: [
        applyManifestsLines(model)[0] as string,
        `${kubectl} delete pod ${shellQuote(podName)} --wait=true`,
        applyManifestsLines(model)[1] as string,
      ],
    },
    {
      id: 'networkpolicy-blocked',
      title: 'A client cannot reach Engram: the NetworkPolicy refuses it',
      symptomWhere: `Requests from a Pod of the namespace fail at once; network plugins that drop the packets instead of refusing them make the requests hang until they time out. Here the client is the Deployment ${code(exampleClient)}; ${code(`kubectl --namespace ${kubernetes.namespace} exec deployment/${exampleClient} -- curl -sS --max-time 5 ${serviceUrl}`)} prints (the time varies):`,
      symptom: `curl: (7) Failed to connect to ${model.name} port ${ports.http} after 2 ms: Could not connect to server`,
      cause: `The NetworkPolicy admits only Pods labelled ${code(clientLabel)} (and Prometheus from its namespace); the connections of any other Pod are refused or dropped by the network plugin.`,
      diagnose: [
        `${kubectl} get networkpolicy ${statefulSet} --output jsonpath='{range .spec.ingress[*].from[*]}{.podSelector.matchLabels}{"\\n"}{end}'`,
        `${kubectl} get pods --selector app=${exampleClient} --show-labels`,
      ],
      diagnosis: `The first lines are the labels the policy admits; the client's labels lack ${code(clientLabel)}.`,
      fixText: `Add the label to the client's Pod template (a label set on a running Pod is lost when it is replaced) and wait for the new Pods; the chart's NOTES say the same:`,
      fix: [
        `${kubectl} patch deployment ${exampleClient} --patch ${shellQuote(labelPatch)}`,
        `${kubectl} rollout status deployment/${exampleClient} --timeout=120s`,
      ],
    },
  ];
  // A failure the model's manifests cannot have is left out: no claim template, no policy.
  const absent = new Set<string>();
  if (!model.persistence.enabled || model.persistence.existingClaim) absent.add('pvc-pending');
  if (!model.networkPolicy.enabled) absent.add('networkpolicy-blocked');
  return entries.filter((entry) => !absent.has(entry.id));
}

/** The operator guide, docs/operations/production-deployment.md, for a model. */
export function renderProductionGuide(model: EngramDeployModel, header: string): string {
  const { compose, ports, runtime, kubernetes } = model;
  const image = engramImage(model);
  const container = shellQuote(compose.containerName);
  const host = localAddress(compose.publishAddress);
  const baseUrl = `http://${host}:${ports.http}`;
  const namespace = shellQuote(kubernetes.namespace);
  const release = shellQuote(model.name);
  const composeDir = shellQuote(guidePaths.composeDirectory);
  const prometheusUrl = `http://${host}:${compose.monitoring.prometheusPort}`;
  const layout = layoutFor(model);
  const out: string[] = [header];
  const p = (...lines: string[]) => out.push(lines.join('\n'), '');
  const block = (marker: BlockMarker, lines: readonly string[]) => out.push(fence(marker, lines), '');

  p(
    `# Deploying ${model.name} in production`,
    `This guide takes you from an Engram checkout to a running, verified Engram with Docker, Docker Compose, Kubernetes, Helm or systemd. Every step says why (Context), what to run (Action) and how to know it worked (Verification).`,
    `Run every command from the root of your Engram checkout, with this repository's ${code('deployments/')} directory inside it. The tests of this repository run each shell block below in that order; the few marked ${code('illustrative')} say why they are not run.`,
  );
  p(
    `Names, ports and images below come from ${code('deployments/engram.deploy.yaml')}: image ${code(image)}, HTTP port ${ports.http}, gRPC port ${ports.grpc}, container ${code(compose.containerName)}, Kubernetes namespace ${code(kubernetes.namespace)}. Change the model and regenerate to change them here too.`,
  );

  p(
    '## 1. Prerequisites',
    '**Context.** Engram needs 2 CPU cores and 4 GiB of memory to run comfortably, and a place to keep its data.',
  );
  p(
    `**Action.** Install Docker 24 or newer with the Compose plugin for the Docker paths; ${code('kubectl')} and Kubernetes 1.28 or newer (and Helm 3 for the chart) for the Kubernetes paths; systemd 250 or newer, ${code('sudo')}, ${code('curl')} and ${code('ss')} (iproute2) for bare metal. The image build needs network access to the Rust and Debian package mirrors.`,
    '',
    '**Verification.** Each command prints a version:',
  );
  block('doctest:docker', ["docker version --format '{{.Server.Version}}'", 'docker compose version']);
  block('doctest:kubernetes', ['kubectl version --client', 'kubectl get nodes']);
  block('doctest:helm', ['helm version --short']);
  block('doctest:systemd', ['systemctl --version', 'sudo --version']);

  p(
    '## 2. Docker',
    `**Context.** One container, started with the same hardening as the generated Compose file: read-only root filesystem, no capabilities, a named volume for data, ports published on ${code(compose.publishAddress)} only. Engram's HTTP API has no authentication by default, so keep it off public addresses.`,
  );
  p(
    `**Action.** Build the image from the generated Dockerfile (a cold build compiles Engram and takes a while; later builds reuse the cache). Behind a TLS-intercepting proxy, add ${code('--secret id=build-ca,src=/path/to/ca.pem')}.`,
  );
  block('doctest:docker:build', [
    `docker build --file ${shellQuote(guidePaths.dockerfile)} --tag ${shellQuote(image)} .`,
  ]);
  p('Create the data volume and start Engram:');
  block('doctest:docker', [`docker volume create ${shellQuote(compose.dataVolume.name)}`, ...dockerRunLines(model)]);
  p(
    `**Verification.** Docker runs the image's health check (${code(`engram ${runtime.healthCheck.command.join(' ')}`)}); wait until it passes:`,
  );
  block('doctest:docker', waitHealthyLines(compose.containerName));
  p(
    `Then run the checks of section 8. To stop Engram (the memories stay in the volume ${code(compose.dataVolume.name)}):`,
  );
  block('doctest:docker:teardown', [`docker rm --force ${container}`]);
  p('To delete the memories too:');
  block('doctest:docker:teardown', [`docker volume rm ${shellQuote(compose.dataVolume.name)}`]);

  p(
    '## 3. Docker Compose',
    `**Context.** ${code(`${guidePaths.composeDirectory}/docker-compose.yml`)} runs the same container with restart policy, log rotation and an optional monitoring profile (Prometheus and Grafana). Its variables and their defaults are listed in ${code(`${guidePaths.composeDirectory}/.env.example`)}; copy it to ${code('.env')} to change them. It uses the container name ${code(compose.containerName)}, so remove the container of section 2 first.`,
  );
  p('**Action.** Build and start:');
  block('doctest:compose:build', [`cd ${composeDir}`, 'docker compose build']);
  block('doctest:compose', [
    `cd ${composeDir}`,
    'docker compose up --detach --wait --wait-timeout 180',
    'docker compose ps',
  ]);
  p(
    `**Verification.** ${code('--wait')} returns only once the health check passes; ${code('docker compose ps')} shows ${code('(healthy)')}. Then run the checks of section 8. To stop the stack (data stays in the volume):`,
  );
  block('doctest:compose:teardown', [`cd ${composeDir}`, 'docker compose --profile monitoring down']);

  p(
    '## 4. Kubernetes',
    `**Context.** ${code(guidePaths.kubernetesDirectory)} holds a kustomization: a namespace ${code(kubernetes.namespace)} with the Pod Security "restricted" level, a StatefulSet with one replica and a ${model.persistence.size} volume claim, a ClusterIP Service, a NetworkPolicy that admits only Pods labelled ${code(`${model.networkPolicy.clientLabel.key}=${model.networkPolicy.clientLabel.value}`)}, and a PodDisruptionBudget.`,
  );
  p(
    `**Action.** Put the image where your cluster pulls from. Not run by the tests: it needs your registry and its credentials (the tests import the image into the test cluster's container runtime instead).`,
  );
  block('illustrative', [`docker push ${shellQuote(image)}`]);
  p('Apply the manifests and wait for the rollout:');
  block('doctest:kubernetes', applyManifestsLines(model));
  p(
    `**Verification.** The Pod is ${code('Running')} and ready, the claim is ${code('Bound')}. Forward the Service to your machine to run the checks of section 8:`,
  );
  block('doctest:kubernetes', [
    `kubectl --namespace ${namespace} get pods,pvc,services`,
    `kubectl --namespace ${namespace} port-forward service/${release} ${shellQuote(`${ports.http}:${ports.http}`)} >/tmp/engram-port-forward.log 2>&1 &`,
    'echo $! >/tmp/engram-port-forward.pid',
    ...waitForUrlLines(`${baseUrl}${runtime.health.livenessPath}`),
  ]);
  p(`To remove it (the volume claim is kept, with your memories, until you delete it):`);
  block('doctest:kubernetes:teardown', [
    'kill "$(cat /tmp/engram-port-forward.pid)"',
    `kubectl delete --kustomize ${shellQuote(guidePaths.kubernetesDirectory)} --wait=true`,
  ]);

  p(
    '## 5. Helm',
    `**Context.** ${code(guidePaths.chartDirectory)} renders the same objects as section 4 from ${code('values.yaml')}, whose defaults are the model's; ${code('values.schema.json')} rejects a wrong value before anything reaches the cluster.`,
  );
  p('**Action.** Install (or upgrade) the release:');
  block('doctest:helm', [
    `helm upgrade --install ${release} ${shellQuote(guidePaths.chartDirectory)} --namespace ${namespace} --create-namespace --wait --timeout 5m`,
  ]);
  p(
    '**Verification.** The release is deployed and its Pod ready; forward the Service and run the checks of section 8:',
  );
  block('doctest:helm', [
    `helm status ${release} --namespace ${namespace}`,
    `kubectl --namespace ${namespace} port-forward service/${release} ${shellQuote(`${ports.http}:${ports.http}`)} >/tmp/engram-port-forward.log 2>&1 &`,
    'echo $! >/tmp/engram-port-forward.pid',
    ...waitForUrlLines(`${baseUrl}${runtime.health.livenessPath}`),
  ]);
  p('To remove it:');
  block('doctest:helm:teardown', [
    'kill "$(cat /tmp/engram-port-forward.pid)"',
    `helm uninstall ${release} --namespace ${namespace} --wait`,
  ]);

  const hostUrl = `http://${layout.httpBind}:${ports.http}`;
  const unit = shellQuote(layout.unitFile);
  const installer = shellQuote(`${guidePaths.systemdDirectory}/install.sh`);
  const builtBinary = `target/release/${shellQuote(model.build.cargoBin)}`;
  p(
    '## 6. Bare metal with systemd',
    `**Context.** ${code(guidePaths.systemdDirectory)} holds what a host needs: the unit ${code(layout.unitFile)}, a system account ${code(layout.name)} (a sysusers.d entry), its directories (a tmpfiles.d entry), the config file and an installer, ${code('install.sh')}. The installer puts the binary at ${code(layout.binaryPath)}, the unit at ${code(layout.unitPath)}, the config at ${code(layout.configPath)} (owned by root, readable by the group ${code(layout.name)}) and, the first time only, your overrides file ${code(layout.environmentFile)}. The service runs as the user ${code(layout.name)} in a sandbox that lets it write only its data in ${code(layout.dataDir)}, its PID file in ${code(layout.runtimeDir)} and its consolidation alert log in ${code(layout.logsDir)}; everything else it prints goes to the journal.`,
  );
  p(
    `Engram's HTTP API listens on ${code(`${layout.httpBind}:${ports.http}`)} only: it has no authentication, so open it (${code('ENGRAM_HTTP_BIND')} in ${code(layout.environmentFile)}) only behind a firewall or an authenticating proxy. Its gRPC API listens on every address, port ${ports.grpc}, and Engram has no setting to change that: close port ${ports.grpc} in the host firewall unless clients on other machines need it.`,
  );
  p(
    `**Action.** Build the binary in your Engram checkout (Rust 1.88 or newer, with ${code('protobuf-compiler libprotobuf-dev pkg-config libhwloc-dev libudev-dev libssl-dev')}); it lands at ${code(`target/release/${model.build.cargoBin}`)}. Built elsewhere, it needs the same C library and the libraries it links on the host (Debian: ${code('libhwloc15 libudev1')}). Not run by the tests: a cold release build takes tens of minutes (the tests put the binary of the Engram image there instead).`,
  );
  block('illustrative', [`cargo build --release --bin ${shellQuote(model.build.cargoBin)}`]);
  p(
    `See what the installer would change (${code('--dry-run')} changes nothing), then install and start the service. Run the installer again after each upgrade or regeneration: it replaces only what changed and says when ${code(`systemctl restart ${layout.unitFile}`)} is needed. It overwrites ${code(layout.configPath)} with the generated file, so change settings in the model (section 7) and keep host-only ones in ${code(layout.environmentFile)}, which it never overwrites.`,
  );
  block('doctest:systemd', [
    `sudo sh ${installer} --binary ${builtBinary} --dry-run`,
    `sudo sh ${installer} --binary ${builtBinary}`,
    `sudo systemctl enable --now ${unit}`,
  ]);
  p(
    `**Verification.** The unit is active, and Engram answers on ${code(hostUrl)} once it serves (about ten seconds after start, when gRPC is ready):`,
  );
  block('doctest:systemd', [
    `systemctl is-active ${unit}`,
    ...waitForUrlLines(`${hostUrl}${runtime.health.livenessPath}`),
  ]);
  p(
    `The HTTP API listens on ${layout.httpBind} only, gRPC on every address (${code(`0.0.0.0:${ports.grpc}`)}); each command prints the listening socket and fails if it is not there:`,
  );
  block('doctest:systemd', [
    `ss -Hltn ${shellQuote(`sport = :${ports.http}`)} | grep -F ${shellQuote(`${layout.httpBind}:${ports.http}`)}`,
    `ss -Hltn ${shellQuote(`sport = :${ports.grpc}`)} | grep -F ${shellQuote(`0.0.0.0:${ports.grpc}`)}`,
  ]);
  p(
    `The service's state and its log (${code(`sudo journalctl --unit ${layout.unitFile} --follow`)} follows it); the last command prints the line Engram logs once its HTTP API serves:`,
  );
  block('doctest:systemd', [
    `systemctl status ${unit} --no-pager`,
    `sudo journalctl --unit ${unit} --no-pager --output cat | grep -F 'HTTP API server listening'`,
  ]);
  p(
    baseUrl === hostUrl
      ? `Then run the checks of section 8 on that host (they use ${code(hostUrl)}).`
      : `Then run the checks of section 8 on that host, with ${code(baseUrl)} replaced by ${code(hostUrl)}.`,
  );
  p(
    `To remove the service, run the installer with ${code('--uninstall')}: it stops and disables the unit and removes it, the binary and the config. It keeps the memories in ${code(layout.dataDir)}, the logs in ${code(layout.logsDir)}, your ${code(layout.environmentFile)} and the account ${code(layout.name)}, so a new install finds the data with its owner; the last command lists the files of the default memory space, still there:`,
  );
  block('doctest:systemd:teardown', [
    `sudo sh ${installer} --uninstall`,
    `sudo ls ${shellQuote(`${layout.dataDir}/${model.engram.memorySpaces.defaultSpace}`)}`,
  ]);
  p('To delete the memories, the logs, the overrides and the account too:');
  block('doctest:systemd:teardown', [
    `sudo rm -rf ${[layout.dataDir, layout.logsDir, `${layout.configHome}/${layout.configDirectoryName}`].map(shellQuote).join(' ')}`,
    `sudo userdel ${shellQuote(layout.name)}`,
  ]);

  p(
    '## 7. Configuration',
    `**Context.** Engram reads one file, ${code('$XDG_CONFIG_HOME/engram/config.toml')}; in the containers that is ${code(configFilePath(model))}, generated at ${code(`${guidePaths.composeDirectory}/config/${runtime.configFile}`)} (Docker, Compose), in a ConfigMap (Kubernetes, Helm) and at ${code(layout.configPath)} (systemd). A missing file means built-in defaults and unknown keys are ignored without a word, so check the file after each change. The environment variables Engram reads are listed in the configuration reference.`,
  );
  p(
    `**Action.** Change ${code('deployments/engram.deploy.yaml')} and regenerate (${code('nx g @engram/compose:compose')}, ${code('nx g @engram/k8s:all')}, ${code('nx g @engram/helm:chart')}, ${code('nx g @engram/systemd:service')}); every field is described in [the configuration reference](${guidePaths.configurationReference}).`,
    '',
    '**Verification.** Engram validates the file it would read:',
  );
  block('doctest:docker', [
    `docker run --rm --volume "$PWD"/${shellQuote(`${guidePaths.composeDirectory}/config`)}:${shellQuote(`${runtime.configHome}:ro`)} ${shellQuote(image)} validate config --file ${shellQuote(configFilePath(model))}`,
  ]);

  p(
    '## 8. Verification',
    `**Context.** A health endpoint that answers does not prove Engram stores anything. These checks store a memory and recall it, against ${code(baseUrl)} (the published port, the port forward of sections 4 and 5, or Engram itself on the host of section 6).`,
  );
  p(
    `**Action and verification.** Liveness (${code(runtime.health.livenessPath)}) answers as soon as HTTP serves; readiness (${code(runtime.health.readinessPath)}) lists the health checks and memory spaces:`,
  );
  block('doctest:verify', [
    `curl -fsS ${shellQuote(`${baseUrl}${runtime.health.livenessPath}`)} && echo alive`,
    `curl -fsS ${shellQuote(`${baseUrl}${runtime.health.readinessPath}`)}`,
  ]);
  p(
    `Store a memory and recall it. Each memory carries an embedding of ${embeddingDimensions} numbers (your embedding model makes it; here ${code('awk')} makes a random one, since Engram treats memories with the same embedding as duplicates):`,
  );
  block('doctest:verify', [
    `embedding=$(awk 'BEGIN { srand(); printf "["; for (i = 0; i < ${embeddingDimensions}; i++) printf "%s%.6f", (i ? "," : ""), rand() - 0.5; printf "]" }')`,
    'memory="deployment check $(date +%s)"',
    `curl -fsS -X POST ${shellQuote(`${baseUrl}/api/v1/memories/remember`)} \\`,
    `  -H 'content-type: application/json' \\`,
    `  -d "{\\"content\\": \\"$memory\\", \\"confidence\\": 0.9, \\"embedding\\": $embedding}"`,
    'echo',
    `curl -fsS ${shellQuote(`${baseUrl}/api/v1/memories/search?query=deployment&limit=100`)} | grep -F "$memory"`,
  ]);
  p(
    `The last command prints the search result holding the memory; it fails if the memory was not recalled. The remember call answers ${code('201')} with a ${code('memory_id')}.`,
  );
  p(
    `Metrics for Prometheus are at ${code(runtime.metricsPath)} (${code('/metrics')} is JSON). This prints how many metric families Engram exports now, and fails if there are none:`,
  );
  block('doctest:verify', [`curl -fsS ${shellQuote(`${baseUrl}${runtime.metricsPath}`)} | grep -c '^# TYPE'`]);

  p(
    '## 9. Troubleshooting',
    'Each entry shows what you see, how to confirm the cause, and the fix. The entries for the Docker path (section 2) come first, then those for the Kubernetes manifests (section 4); the cause and the fix carry over to Compose and Helm.',
  );
  for (const entry of troubleshootingEntries(model)) {
    p(
      `### ${entry.title}`,
      entry.symptomWhere,
      '',
      '```text',
      entry.symptom,
      '```',
      '',
      entry.cause,
      '',
      '**Diagnosis.**',
    );
    block(`doctest:troubleshoot-${entry.id}:diagnose`, entry.diagnose);
    p(entry.diagnosis, '', `**Fix.** ${entry.fixText}`);
    block(`doctest:troubleshoot-${entry.id}:fix`, entry.fix);
  }

  p(
    '## Performance tuning',
    `- **Memory.** The model limits Engram to ${model.resources.limits.memory} and requests ${model.resources.requests.memory}. Engram has been seen OOM-killed at start under 256 MiB and 512 MiB and serving under 1 GiB; keep the limit at 2 GiB or more in production and raise it with the number of memories.`,
    `- **CPU.** Limit ${model.resources.limits.cpu}, request ${model.resources.requests.cpu}. Under CPU throttling ${code('/health')} can flap (one check has a 200 ms budget); the probes use ${code(runtime.health.livenessPath)} and ${code(runtime.health.readinessPath)} for that reason.`,
    `- **Start-up.** HTTP serves only after gRPC is ready (up to ${runtime.startupBudgetSeconds} s), and the write-ahead log is replayed first: a large data set needs a longer startup probe (${code('probes.startup.failureThreshold')}).`,
    `- **Allocator.** Engram uses mimalloc; ${code('runtime.allocator.largeOsPages')} turns on large pages where the host has them. Huge-page reservation stays off unless the host reserves huge pages.`,
    `- **Logging.** ${code(`runtime.logLevel: ${runtime.logLevel}`)}; ${code('debug')} costs noticeable CPU and memory.`,
    `- ${code('[persistence]')} capacities in the config file are checked but not used by Engram 0.1.x: they do not tune anything yet.`,
  );

  const security = model.security;
  p(
    '## Security hardening checklist',
    `The full checklist, with how each item is enforced and tested, is [docs/security-checklist.md](${guidePaths.securityChecklist}). Before going to production, check that:`,
    '',
    `- [ ] The HTTP port is not reachable from untrusted networks: Engram ${model.appVersion} has no working authentication of its own and serves ${code('POST /shutdown')} to anyone who can reach it. Docker publishes on ${code(compose.publishAddress)}, the Kubernetes Service is ${code(model.service.type)}; put TLS and authentication in a proxy or ingress in front.`,
    `- [ ] The NetworkPolicy is ${model.networkPolicy.enabled ? 'on' : 'off (turn it on: `networkPolicy.enabled`)'}; only Pods labelled ${code(`${model.networkPolicy.clientLabel.key}=${model.networkPolicy.clientLabel.value}`)} and Prometheus reach Engram.`,
    `- [ ] The container runs as uid ${security.runAsUser}, ${security.readOnlyRootFilesystem ? 'with a read-only root filesystem' : 'WITHOUT a read-only root filesystem'}, no privilege escalation, capabilities dropped (${security.capabilities.drop.join(', ')}), seccomp ${security.seccompProfile}.`,
    `- [ ] The image is pinned (${code(image)}${model.image.digest ? '' : '; add a digest in `image.digest` for production'}) and scanned in your pipeline.`,
    `- [ ] The service account token is ${kubernetes.serviceAccount.automountToken ? 'mounted (turn `kubernetes.serviceAccount.automountToken` off)' : 'not mounted'}; Engram needs no Kubernetes API access.`,
    `- [ ] No secret sits in the model, the config file or the image; Grafana's admin password comes from ${code('.env')} (${code('GRAFANA_ADMIN_PASSWORD')}).`,
  );

  const panelRows = dashboardPanels.map((panel) => `| ${panel.title} | ${code(panel.expr)} | ${panel.meaning} |`);
  const windowSums = Object.entries(engramMetricFamilies)
    .filter(([, meaning]) => meaning === 'window-sum')
    .map(([name]) => name);
  p(
    '## Monitoring',
    `**Context.** Engram serves Prometheus metrics at ${code(runtime.metricsPath)} on the HTTP port. Read them with care: the families ending in ${code('_total')} (${windowSums.length} of them, such as ${code(windowSums[0] ?? '')}) are typed as counters but are sums over a sliding 5-minute window that go down again, so never use ${code('rate()')} or ${code('increase()')} on them; histogram bucket bounds are recomputed on every scrape, so use ${code('_sum / _count')} (the 5-minute mean) instead of ${code('histogram_quantile()')}. No metric counts stored memories. A family shows up only after something recorded it, so an idle server exports few.`,
  );
  p(
    `**Action.** With Compose, the ${code(compose.monitoring.profile)} profile adds Prometheus (scraping Engram every ${compose.monitoring.scrapeInterval}) and Grafana with the Engram dashboard:`,
  );
  block('doctest:compose', [
    `cd ${composeDir}`,
    `docker compose --profile ${shellQuote(compose.monitoring.profile)} up --detach --wait --wait-timeout 180 prometheus`,
  ]);
  p(
    `Grafana needs an admin password you choose. Not run by the tests: they have no Grafana image; they check the dashboard's queries against Prometheus instead.`,
  );
  block('illustrative', [
    `cd ${composeDir}`,
    `GRAFANA_ADMIN_PASSWORD='choose-a-long-password' docker compose --profile ${shellQuote(compose.monitoring.profile)} up --detach grafana`,
  ]);
  p(
    `On Kubernetes, Prometheus finds Engram through the ${code('prometheus.io/scrape')} annotations (${code('monitoring.scrapeAnnotations')}) or a ServiceMonitor (${code('monitoring.serviceMonitor.enabled')}); the NetworkPolicy admits Prometheus from the namespace ${code(model.networkPolicy.prometheus.namespace)}.`,
    '',
    `**Verification.** Prometheus scrapes Engram (${code('up')} is 1):`,
  );
  block('doctest:compose', [
    `query=${shellQuote(`up{job="${scrapeJob}"}`)}`,
    'for attempt in $(seq 30); do',
    `  curl -fsS --get ${shellQuote(`${prometheusUrl}/api/v1/query`)} --data-urlencode "query=$query" | grep -q '"1"\\]' && break`,
    '  sleep 2',
    'done',
    `curl -fsS --get ${shellQuote(`${prometheusUrl}/api/v1/query`)} --data-urlencode "query=$query" | grep '"1"\\]'`,
  ]);
  p(
    `Open Grafana at ${code(`http://${host}:${compose.monitoring.grafanaPort}`)}, folder Engram, dashboard "Engram overview". Its panels:`,
    '',
    '| Panel | Query | What it means |',
    '| --- | --- | --- |',
    ...panelRows,
  );

  p(
    '## 10. Next steps',
    `- Put TLS and authentication in front of Engram (an ingress or a proxy), then open access beyond ${code(compose.publishAddress)}.`,
    `- Back up the data volume (${code(runtime.dataDir)} in the container): stop Engram or snapshot the volume; the write-ahead log is replayed on start.`,
    `- Read [the configuration reference](${guidePaths.configurationReference}) and [the security checklist](${guidePaths.securityChecklist}).`,
    '- Alert on the readiness endpoint and on `up`, not on the window sums.',
  );
  return `${out.join('\n').trimEnd()}\n`;
}
