/**
 * Collects the sequence events of one decode step in the llama.cpp worker and packs them into the
 * one STEP message the main thread receives for that step (parallel arrays, see llama-protocol.ts).
 * Events are appended in slot order as the engine walks its slots; nothing is sent from here.
 */
import type { ErrorCode } from '../../common/index.js';
import { FinishCode } from '../generation.js';
import { LlamaMessageType, type StepMessage } from './llama-protocol.js';

/** The pending events of the current step. */
export class StepEvents {
  private slot: number[] = [];
  private serial: number[] = [];
  private text: string[] = [];
  private tokens: number[] = [];
  private promptTokens: number[] = [];
  private finish: number[] = [];
  private errorCode: (ErrorCode | '')[] = [];
  private errorMessage: string[] = [];

  /** Events collected so far. */
  get count(): number {
    return this.slot.length;
  }

  /** Adds an event: `text` and `tokens` produced, `finish` (FinishCode), prompt size or -1. */
  add(
    slot: number,
    serial: number,
    text: string,
    tokens: number,
    promptTokens: number,
    finish: number,
  ): void {
    this.slot.push(slot);
    this.serial.push(serial);
    this.text.push(text);
    this.tokens.push(tokens);
    this.promptTokens.push(promptTokens);
    this.finish.push(finish);
    this.errorCode.push('');
    this.errorMessage.push('');
  }

  /** Adds a failed sequence's event. */
  addError(slot: number, serial: number, promptTokens: number, code: ErrorCode, message: string): void {
    this.add(slot, serial, '', 0, promptTokens, FinishCode.ERROR);
    this.errorCode[this.errorCode.length - 1] = code;
    this.errorMessage[this.errorMessage.length - 1] = message;
  }

  /** The STEP message of the collected events; the collector starts over. */
  take(batchSequences: number, batchTokens: number): StepMessage {
    const message: StepMessage = {
      type: LlamaMessageType.STEP,
      count: this.slot.length,
      slot: Int32Array.from(this.slot),
      serial: Float64Array.from(this.serial),
      text: this.text,
      tokens: Uint8Array.from(this.tokens),
      promptTokens: Int32Array.from(this.promptTokens),
      finish: Uint8Array.from(this.finish),
      errorCode: this.errorCode,
      errorMessage: this.errorMessage,
      batchSequences,
      batchTokens,
    };
    this.slot = [];
    this.serial = [];
    this.text = [];
    this.tokens = [];
    this.promptTokens = [];
    this.finish = [];
    this.errorCode = [];
    this.errorMessage = [];
    return message;
  }
}
