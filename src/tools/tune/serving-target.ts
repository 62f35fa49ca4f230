/**
 * Where each candidate is served while it is measured. On a running server (SharedServer) a
 * candidate is a reload with a config override, skipped when it is what the server serves
 * already. On the servers tune starts (FreshServers) every candidate gets a new `nereid serve`
 * process, so its memory is its own: RSS with the model, minus the same process's RSS before the
 * model loaded, with nothing left over from earlier candidates' loads. A config the server refuses
 * is reported as text; a lost server is an error.
 */
import { InferenceServerError } from '../../client/index.js';
import { type Candidate, candidateKey } from './candidate.js';
import { applyCandidate, type ConfigObject } from './candidate-config.js';
import { type OwnedServer, startOwnedServer } from './owned-server.js';
import { type MemoryProbe, processMemoryProbe } from './server-memory.js';
import { openControl, type TuneControl } from './tune-control.js';

/** A server that serves one candidate at a time. */
export interface ServingTarget {
  /** Address the load goes to (changes with FreshServers). */
  readonly url: string;
  /** The serving process's memory, or null when it cannot be read. */
  readonly memory: MemoryProbe | null;
  /** The serving process's memory before the model loaded, bytes, or null when unknown. */
  readonly baselineRssBytes: number | null;
  /** Serves `candidate` (a `config` override of `base`); the server's refusal text, or null. */
  serve(candidate: Candidate, base: ConfigObject): Promise<string | null>;
  /** Releases what the target holds (FreshServers stops its server). */
  close(): Promise<void>;
}

/** Whether an error is the server's answer (it refused), not a lost connection or a cancel. */
function isServerAnswer(err: unknown): err is InferenceServerError {
  return err instanceof InferenceServerError && (err.httpStatus !== undefined || err.grpcCode !== undefined);
}

async function loadOverride(
  control: TuneControl,
  model: string,
  candidate: Candidate,
  base: ConfigObject,
): Promise<string | null> {
  try {
    await control.loadModel(model, { config: JSON.stringify(applyCandidate(base, candidate)) });
    return null;
  } catch (err) {
    if (!isServerAnswer(err)) throw err;
    return `the server refused the config: ${err.message}`;
  }
}

/** A running server: candidates are reloads of the model with config overrides. */
export class SharedServer implements ServingTarget {
  readonly baselineRssBytes = null;
  private servedKey: string | null;

  /** `served` is the candidate the server serves now; `onLoad` runs before every reload. */
  constructor(
    private readonly control: TuneControl,
    private readonly model: string,
    readonly url: string,
    readonly memory: MemoryProbe | null,
    served: Candidate,
    private readonly onLoad: () => void,
  ) {
    this.servedKey = candidateKey(served);
  }

  async serve(candidate: Candidate, base: ConfigObject): Promise<string | null> {
    if (candidateKey(candidate) === this.servedKey) return null;
    this.onLoad();
    // A reload that fails leaves the previous versions serving, but which one is unknown here.
    this.servedKey = null;
    const refused = await loadOverride(this.control, this.model, candidate, base);
    if (refused === null) this.servedKey = candidateKey(candidate);
    return refused;
  }

  async close(): Promise<void> {}
}

/** What FreshServers needs to start a server. */
export interface FreshServerSetup {
  /** The `nereid` CLI script. */
  readonly entry: string;
  readonly repositories: readonly string[];
  readonly serverArgs: readonly string[];
  readonly protocol: 'http' | 'grpc';
  readonly headers: Readonly<Record<string, string>>;
  readonly model: string;
}

/** The servers tune starts: a new one for every candidate. */
export class FreshServers implements ServingTarget {
  private servedKey: string | null;

  /** Starts from `server`, which serves `served` and had `baselineRssBytes` before the model loaded. */
  constructor(
    private readonly setup: FreshServerSetup,
    private server: OwnedServer,
    served: Candidate,
    public baselineRssBytes: number | null,
  ) {
    this.servedKey = candidateKey(served);
  }

  get url(): string {
    return this.setup.protocol === 'http' ? this.server.httpAddress : this.server.grpcAddress;
  }

  get memory(): MemoryProbe {
    return processMemoryProbe(this.server.pid);
  }

  async serve(candidate: Candidate, base: ConfigObject): Promise<string | null> {
    if (candidateKey(candidate) === this.servedKey) return null;
    this.servedKey = null;
    await this.server.stop();
    this.server = await startOwnedServer(this.setup.entry, this.setup.repositories, this.setup.serverArgs);
    this.baselineRssBytes = await this.memory.readRssBytes();
    const control = openControl(this.setup.protocol, this.url, this.setup.headers);
    try {
      const refused = await loadOverride(control, this.setup.model, candidate, base);
      if (refused === null) this.servedKey = candidateKey(candidate);
      return refused;
    } finally {
      await control.close();
    }
  }

  async close(): Promise<void> {
    await this.server.stop();
  }
}
