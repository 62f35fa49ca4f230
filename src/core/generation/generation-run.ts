/**
 * One generation request from its dispatch to a sequence slot until its finish event: where it
 * runs, what it produced so far (text of a non-streamed request, token counts), when its tokens
 * came (for TTFT and inter-token latency), and how each of its responses is built from Triton's
 * vLLM output tensors (text_output, finish_reason, num_input_tokens, num_output_tokens). It does
 * not decide when a response is sent; the scheduler does.
 */
import { FINISH_REASON_TEXT, type GenerationInstance } from '../../backends/index.js';
import { GenerationTensor } from '../../config/index.js';
import type { Tensor } from '../../protocol/index.js';
import { encodeBytesElements } from '../../protocol/index.js';
import type { InferenceRequest, InferenceResponse } from '../inference-request.js';
import type { GenerationRequest } from './generation-request.js';

const T = GenerationTensor;

/** The shape of every generation output (one element); shared, never written. */
const SHAPE_ONE: readonly number[] = Object.freeze([1]);

function bytesTensor(name: string, text: string): Tensor {
  return { name, datatype: 'BYTES', shape: SHAPE_ONE, data: encodeBytesElements([text]) };
}

function uint32Tensor(name: string, value: number): Tensor {
  const data = new Uint8Array(4);
  new DataView(data.buffer).setUint32(0, value, true);
  return { name, datatype: 'UINT32', shape: SHAPE_ONE, data };
}

/*
 * Outputs that repeat from token to token are made once: tensors are immutable once built (the
 * response cache keeps them as they are), so every response may share them. This keeps the main
 * thread's allocations per streamed token to the text and the response itself.
 */
const FINISH_REASON_TENSORS: readonly Tensor[] = FINISH_REASON_TEXT.map((text) =>
  bytesTensor(GenerationTensor.FINISH_REASON, text),
);
/** num_output_tokens of 0..15 tokens (a streamed response carries one or a few). */
const OUTPUT_TOKENS_TENSORS: readonly Tensor[] = Array.from({ length: 16 }, (_, n) =>
  uint32Tensor(GenerationTensor.NUM_OUTPUT_TOKENS, n),
);

function outputTokensTensor(tokens: number): Tensor {
  return tokens < OUTPUT_TOKENS_TENSORS.length
    ? OUTPUT_TOKENS_TENSORS[tokens]!
    : uint32Tensor(GenerationTensor.NUM_OUTPUT_TOKENS, tokens);
}

/** A request running in a sequence slot. */
export class GenerationRun {
  /** The core request. */
  readonly request: InferenceRequest;
  /** What it asked for. */
  readonly generation: GenerationRequest;
  /** Its serial (distinguishes runs that reuse a slot). */
  readonly serial: number;
  /** The instance and slot it runs in. */
  readonly instance: GenerationInstance;
  readonly instanceIndex: number;
  readonly slot: number;
  /** Output text so far (non-streamed requests only). */
  text: string;
  /** Prompt tokens, once the instance reported them (-1 before). */
  promptTokens: number;
  /** Tokens generated so far. */
  outputTokens: number;
  /** Tokens generated since the last response (streamed requests). */
  unsentTokens: number;
  /** When its first and latest tokens arrived (ns; -1 before). */
  firstTokenNs: number;
  lastTokenNs: number;
  /** The client cancelled it; its ABORT finish answers CANCELLED. */
  cancelRequested: boolean;
  /** num_input_tokens, made once the prompt size is known. */
  private inputTokensTensor: Tensor | null;

  constructor(
    request: InferenceRequest,
    generation: GenerationRequest,
    serial: number,
    instance: GenerationInstance,
    instanceIndex: number,
    slot: number,
  ) {
    this.request = request;
    this.generation = generation;
    this.serial = serial;
    this.instance = instance;
    this.instanceIndex = instanceIndex;
    this.slot = slot;
    this.text = '';
    this.promptTokens = -1;
    this.outputTokens = 0;
    this.unsentTokens = 0;
    this.firstTokenNs = -1;
    this.lastTokenNs = -1;
    this.cancelRequested = false;
    this.inputTokensTensor = null;
  }

  private inputTokens(): Tensor {
    if (this.promptTokens < 0) return uint32Tensor(T.NUM_INPUT_TOKENS, 0);
    this.inputTokensTensor ??= uint32Tensor(T.NUM_INPUT_TOKENS, this.promptTokens);
    return this.inputTokensTensor;
  }

  /**
   * A response carrying `text` and `tokens` generated tokens; `finish` is the FinishCode of the
   * last response (0 before). Outputs: the ones the request names, else text_output and the
   * outputs its return_* inputs ask for.
   */
  response(
    modelName: string,
    modelVersion: string,
    text: string,
    tokens: number,
    finish: number,
    endNs: number,
  ): InferenceResponse {
    const request = this.request;
    const g = this.generation;
    const outputs: Tensor[] = [];
    const wanted = request.outputs;
    if (wanted === null) {
      outputs.push(bytesTensor(T.TEXT_OUTPUT, text));
      if (g.returnFinishReason) outputs.push(FINISH_REASON_TENSORS[finish]!);
      if (g.returnInputTokens) outputs.push(this.inputTokens());
      if (g.returnOutputTokens) outputs.push(outputTokensTensor(tokens));
    } else {
      for (const w of wanted) {
        if (w.name === T.TEXT_OUTPUT) outputs.push(bytesTensor(T.TEXT_OUTPUT, text));
        else if (w.name === T.FINISH_REASON) outputs.push(FINISH_REASON_TENSORS[finish]!);
        else if (w.name === T.NUM_INPUT_TOKENS) outputs.push(this.inputTokens());
        else if (w.name === T.NUM_OUTPUT_TOKENS) outputs.push(outputTokensTensor(tokens));
      }
    }
    return {
      modelName,
      modelVersion,
      id: request.id,
      parameters: null,
      outputs,
      timing: {
        queueNs: request.startNs - request.arrivalNs,
        computeInputNs: 0,
        computeInferNs: endNs - request.startNs,
        computeOutputNs: 0,
        totalNs: endNs - request.arrivalNs,
      },
    };
  }
}
