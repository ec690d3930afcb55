import {
  containerProblems,
  type ContainerSettings,
  type ImageContents,
  imageProblems,
  REQUIRED_LABELS,
  type RunningProcess,
} from '../src/docker/image-rules';

/** A service image as `./meridian images` reads a good one back. */
const goodImage = (): ImageContents => ({
  config: {
    User: '65532:65532',
    Entrypoint: ['/nodejs/bin/node'],
    Cmd: ['dist/main.bundle.js'],
    WorkingDir: '/app/apps/ledger',
    Env: ['NODE_ENV=production'],
    Labels: {
      ...Object.fromEntries(REQUIRED_LABELS.map((label) => [label, 'x'])),
      'org.opencontainers.image.title': 'meridian-ledger',
    },
  },
  shells: [],
  packages: [
    { name: '@meridian/ledger', version: '0.1.0', path: '/app/apps/ledger' },
    { name: 'pg', version: '8.16.3', path: '/app/node_modules/pg' },
  ],
});

describe("a built image's configuration and contents", () => {
  it('finds nothing wrong with a good service image', () => {
    expect(imageProblems('ledger', 'service', goodImage())).toEqual([]);
  });

  it.each<[string, (image: ImageContents) => void, string]>([
    ['runs as root', (image) => void (image.config.User = ''), 'USER is unset, not 65532:65532'],
    ['runs through a shell', (image) => void (image.config.Entrypoint = ['/bin/sh', '-c']), 'ENTRYPOINT is'],
    ['runs another entry', (image) => void (image.config.Cmd = ['dist/main.js']), 'CMD is ["dist/main.js"]'],
    ['works in another folder', (image) => void (image.config.WorkingDir = '/app'), 'WORKDIR is /app'],
    [
      'lacks a label',
      (image) => void delete image.config.Labels!['org.opencontainers.image.revision'],
      'label org.opencontainers.image.revision is missing',
    ],
    [
      'carries a shell',
      (image) => void (image.shells = ['/bin/busybox']),
      'the image has a shell: /bin/busybox',
    ],
    [
      'holds a build tool',
      (image) =>
        void image.packages.push({
          name: 'typescript',
          version: '6.0.0',
          path: '/app/node_modules/typescript',
        }),
      'development dependency typescript is in the image',
    ],
    [
      'shows no packages (a listing that read nothing)',
      (image) => void (image.packages = []),
      'no package @meridian/ledger under /app/node_modules',
    ],
  ])('names the problem when the image %s', (_case, breakIt, expected) => {
    const image = goodImage();
    breakIt(image);
    const problems = imageProblems('ledger', 'service', image);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(expected);
  });

  it('holds a tool image to dist/cli.js in tools/<name>', () => {
    const image = goodImage();
    image.packages.push({ name: '@meridian/loadtest', version: '0.1.0', path: '/app/tools/loadtest' });
    image.config.Labels!['org.opencontainers.image.title'] = 'meridian-loadtest';
    expect(imageProblems('loadtest', 'tool', image)).toEqual([
      'CMD is ["dist/main.bundle.js"], not ["dist/cli.js"]',
      'WORKDIR is /app/apps/ledger, not /app/tools/loadtest',
    ]);
  });
});

describe("a running service's container", () => {
  const settings = (): ContainerSettings => ({
    Config: { User: '65532:65532' },
    HostConfig: { ReadonlyRootfs: true, CapDrop: ['ALL'], SecurityOpt: ['no-new-privileges:true'] },
  });
  const none = '0000000000000000';
  const process = (): RunningProcess => ({
    uid: '65532',
    gid: '65532',
    capabilities: { effective: none, permitted: none, bounding: none },
    noNewPrivileges: '1',
    rootFilesystem: 'EROFS',
    tmp: 'written',
  });

  it('finds nothing wrong with a hardened container and process', () => {
    expect(containerProblems('api', settings(), process())).toEqual([]);
  });

  it.each<[string, (s: ContainerSettings, p: RunningProcess) => void, string]>([
    ['whose process runs as root', (_s, p) => void (p.uid = '0'), 'api: the process runs as 0:65532'],
    [
      'whose process keeps a capability',
      (_s, p) => void (p.capabilities.bounding = '00000000a80425fb'),
      'api: bounding capabilities 00000000a80425fb',
    ],
    [
      'whose process may gain privileges',
      (_s, p) => void (p.noNewPrivileges = '0'),
      'api: no_new_privs is not set',
    ],
    [
      'whose root filesystem is writable',
      (_s, p) => void (p.rootFilesystem = 'written'),
      'api: writing under /app gave written',
    ],
    ['whose /tmp is not writable', (_s, p) => void (p.tmp = 'EROFS'), 'api: /tmp is not writable (EROFS)'],
    [
      'configured without a read-only root',
      (s) => void (s.HostConfig.ReadonlyRootfs = false),
      'api: root filesystem not read-only',
    ],
    [
      'configured keeping capabilities',
      (s) => void (s.HostConfig.CapDrop = null),
      'api: capabilities not all dropped',
    ],
  ])('names the problem of a container %s', (_case, breakIt, expected) => {
    const [s, p] = [settings(), process()];
    breakIt(s, p);
    expect(containerProblems('api', s, p)).toEqual([expect.stringContaining(expected)]);
  });
});
