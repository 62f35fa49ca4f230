// The attacks of issue 19 that concern names, paths, bounds and bad input, run against a built
// Nereid (this checkout by default, or another one's root given as the first argument, e.g. a
// worktree of an older revision), each on a fresh server with its own TMPDIR in a sandbox. Prints
// one line per attack: what happened. docs/security.md records the results before and after.
//   node scripts/security-attacks.mjs [ROOT]
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(process.argv[2] ?? new URL('..', import.meta.url).pathname);
const main = join(root, 'dist/src/cli/main.js');
const examples = join(root, 'examples/model_repository');

function sandbox() {
  const dir = mkdtempSync(join(tmpdir(), 'nereid-attack-'));
  mkdirSync(join(dir, 'tmp'));
  mkdirSync(join(dir, 'repo'));
  cpSync(join(examples, 'simple'), join(dir, 'repo', 'simple'), { recursive: true });
  cpSync(join(examples, 'simple_string'), join(dir, 'repo', 'simple_string'), { recursive: true });
  return dir;
}

function start(dir, args) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(
      process.execPath,
      [
        main,
        'serve',
        '--model-repository',
        join(dir, 'repo'),
        '--http-port=0',
        '--grpc-port=0',
        '--metrics-port=0',
        '--http-address=127.0.0.1',
        '--grpc-address=127.0.0.1',
        ...args,
      ],
      { env: { ...process.env, TMPDIR: join(dir, 'tmp') }, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let err = '';
    child.stderr.on('data', (d) => {
      err += d;
      const http = /Started HTTPService at [^\s]+:(\d+)/.exec(err);
      const grpc = /Started GRPCInferenceService at [^\s]+:(\d+)/.exec(err);
      if (http && grpc)
        resolvePromise({ child, http: `http://127.0.0.1:${http[1]}`, grpc: `127.0.0.1:${grpc[1]}` });
    });
    child.on('exit', (code) => reject(new Error(`exited ${code}: ${err.split('\n').slice(-3).join(' ')}`)));
  });
}

async function post(url, body) {
  const res = await fetch(url, {
    method: 'POST',
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, text: text.length > 160 ? `${text.slice(0, 160)}...` : text };
}

function rssMb(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)[1]) / 1024;
}

const SIMPLE_IO = {
  input: [
    { name: 'INPUT0', data_type: 'TYPE_INT32', dims: [16] },
    { name: 'INPUT1', data_type: 'TYPE_INT32', dims: [16] },
  ],
  output: [
    { name: 'OUTPUT0', data_type: 'TYPE_INT32', dims: [16] },
    { name: 'OUTPUT1', data_type: 'TYPE_INT32', dims: [16] },
  ],
};
const ROW = {
  inputs: [0, 1].map((i) => ({
    name: `INPUT${i}`,
    datatype: 'INT32',
    shape: [1, 16],
    data: Array(16).fill(1),
  })),
};

const attacks = {
  async 'traversal: load "../../victim/x" with file overrides'(dir, s) {
    mkdirSync(join(dir, 'victim', 'keep'), { recursive: true });
    writeFileSync(join(dir, 'victim', 'keep', 'f'), 'data');
    const r = await post(`${s.http}/v2/repository/models/..%2F..%2Fvictim%2Fx/load`, {
      parameters: { config: '{"backend":"nope"}', 'file:a': 'aGk=' },
    });
    return `${r.status} ${r.text}; victim directory ${existsSync(join(dir, 'victim', 'keep', 'f')) ? 'intact' : 'DELETED'}`;
  },
  async 'label_filename "../../../../etc/passwd" in a config override'(_dir, s) {
    const output = SIMPLE_IO.output.map((o, i) =>
      i === 0 ? { ...o, label_filename: '../../../../../../../../etc/passwd' } : o,
    );
    const load = await post(`${s.http}/v2/repository/models/simple/load`, {
      parameters: {
        config: JSON.stringify({ backend: 'onnxruntime', max_batch_size: 8, ...SIMPLE_IO, output }),
      },
    });
    if (load.status !== 200) return `load ${load.status} ${load.text}`;
    const r = await post(`${s.http}/v2/models/simple/infer`, {
      ...ROW,
      outputs: [{ name: 'OUTPUT0', parameters: { classification: 3 } }],
    });
    return `load 200; infer ${r.status} ${/root:/.test(r.text) ? 'LEAKS /etc/passwd lines: ' : ''}${r.text}`;
  },
  async 'default_model_filename "../../../evil.js" (JavaScript outside the model directory)'(dir, s) {
    writeFileSync(
      join(dir, 'evil.js'),
      `require('node:fs').writeFileSync(${JSON.stringify(join(dir, 'pwned'))}, 'x'); module.exports = class { execute() { return []; } };`,
    );
    const r = await post(`${s.http}/v2/repository/models/simple/load`, {
      parameters: {
        config: JSON.stringify({
          backend: 'javascript',
          max_batch_size: 8,
          ...SIMPLE_IO,
          default_model_filename: '../../../evil.js',
        }),
      },
    });
    return `${r.status} ${r.text}; code outside the repository ${existsSync(join(dir, 'pwned')) ? 'RAN' : 'did not run'}`;
  },
  async 'warm-up input_data_file: existing vs missing file outside the model'(_dir, s) {
    const texts = [];
    for (const file of ['../../../../../../../../etc/hostname', '../../../../../../../../etc/no-such-file']) {
      const model_warmup = [
        {
          name: 'w',
          batch_size: 1,
          inputs: {
            INPUT0: { data_type: 'TYPE_INT32', dims: [16], input_data_file: file },
            INPUT1: { data_type: 'TYPE_INT32', dims: [16], zero_data: true },
          },
        },
      ];
      const r = await post(`${s.http}/v2/repository/models/simple/load`, {
        parameters: {
          config: JSON.stringify({ backend: 'onnxruntime', max_batch_size: 8, ...SIMPLE_IO, model_warmup }),
        },
      });
      texts.push(`${r.status} ${r.text}`);
    }
    return texts.join(' | ');
  },
  async 'instance_group count 40 through the load API'(_dir, s) {
    const before = rssMb(s.child.pid);
    const r = await post(`${s.http}/v2/repository/models/simple/load`, {
      parameters: {
        config: JSON.stringify({
          backend: 'onnxruntime',
          max_batch_size: 8,
          ...SIMPLE_IO,
          instance_group: [{ kind: 'KIND_CPU', count: 40 }],
        }),
      },
    });
    return `${r.status} ${r.text}; RSS ${before.toFixed(0)} -> ${rssMb(s.child.pid).toFixed(0)} MB`;
  },
  async 'JSON data nested 100,000 levels'(_dir, s) {
    const deep = `${'['.repeat(100000)}1${']'.repeat(100000)}`;
    const r = await post(
      `${s.http}/v2/models/simple/infer`,
      `{"inputs":[{"name":"INPUT0","datatype":"INT32","shape":[1,16],"data":${deep}},{"name":"INPUT1","datatype":"INT32","shape":[1,16],"data":[1]}]}`,
    );
    const g = await post(`${s.http}/v2/models/simple/generate_stream`, `{"INPUT0":${deep},"INPUT1":[1]}`);
    return `infer ${r.status} ${r.text} | generate_stream ${g.status} ${g.text}`;
  },
  async 'simple_string with a non-numeric element'(_dir, s) {
    const data = Array.from({ length: 16 }, (_, i) => (i === 0 ? 'abc' : '1'));
    const r = await post(`${s.http}/v2/models/simple_string/infer`, {
      inputs: [0, 1].map((i) => ({ name: `INPUT${i}`, datatype: 'BYTES', shape: [1, 16], data })),
    });
    return `${r.status} ${r.text}`;
  },
  async 'restricted API flag'(dir) {
    try {
      const s = await start(dir, [
        '--model-control-mode=explicit',
        '--http-restricted-api=model-repository:admin-key=s3cret',
      ]);
      const r = await post(`${s.http}/v2/repository/models/simple/unload`, '');
      s.child.kill('SIGKILL');
      return `unload without the header: ${r.status} ${r.text}`;
    } catch (err) {
      return `server does not start: ${err.message}`;
    }
  },
};

for (const [name, attack] of Object.entries(attacks)) {
  const dir = sandbox();
  let line;
  try {
    if (name === 'restricted API flag') line = await attack(dir);
    else {
      const s = await start(dir, [
        '--model-control-mode=explicit',
        '--load-model=simple',
        '--load-model=simple_string',
      ]);
      try {
        line = await attack(dir, s);
      } finally {
        s.child.kill('SIGKILL');
      }
    }
  } catch (err) {
    line = `error: ${err.message}`;
  }
  console.log(`${name}: ${line}`);
  rmSync(dir, { recursive: true, force: true });
}
