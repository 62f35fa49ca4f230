/**
 * The moments a trace records, with Triton's names (TRITONSERVER_InferenceTraceActivity and the
 * frontends' HTTP_* / GRPC_* stamps), numbered in the order they happen to a request so that a
 * trace written in number order reads in time order. Also the trace levels (a bit set).
 */

/** One timestamp of a trace; the value is its slot in RequestTrace.stamps. */
export const TraceActivity = {
  HTTP_RECV_START: 0,
  HTTP_RECV_END: 1,
  GRPC_WAITREAD_START: 2,
  GRPC_WAITREAD_END: 3,
  REQUEST_START: 4,
  QUEUE_START: 5,
  COMPUTE_START: 6,
  COMPUTE_INPUT_END: 7,
  COMPUTE_OUTPUT_START: 8,
  COMPUTE_END: 9,
  REQUEST_END: 10,
  HTTP_SEND_START: 11,
  HTTP_SEND_END: 12,
  GRPC_SEND_START: 13,
  GRPC_SEND_END: 14,
} as const;

/** A TraceActivity value. */
export type TraceActivity = (typeof TraceActivity)[keyof typeof TraceActivity];

/** Number of TraceActivity slots. */
export const TRACE_ACTIVITY_COUNT = 15;

/** Triton's name of each activity (index = TraceActivity). */
export const TRACE_ACTIVITY_NAMES: readonly string[] = Object.keys(TraceActivity);

/** Trace levels, a bit set as Triton's TRITONSERVER_InferenceTraceLevel; 0 is OFF. */
export const TraceLevel = {
  OFF: 0,
  TIMESTAMPS: 1,
  TENSORS: 2,
} as const;

/** Which protocol a traced request came over (decides its frontend stamps and root span). */
export const TraceProtocol = {
  /** In-process (ensemble steps, model-to-model calls): no frontend stamps. */
  NONE: 0,
  HTTP: 1,
  GRPC: 2,
} as const;

/** A TraceProtocol value. */
export type TraceProtocol = (typeof TraceProtocol)[keyof typeof TraceProtocol];

/** The level's names as Triton reports them: ["OFF"], or TIMESTAMPS and/or TENSORS. */
export function traceLevelNames(level: number): string[] {
  if (level === TraceLevel.OFF) return ['OFF'];
  const names: string[] = [];
  if ((level & TraceLevel.TIMESTAMPS) !== 0) names.push('TIMESTAMPS');
  if ((level & TraceLevel.TENSORS) !== 0) names.push('TENSORS');
  return names;
}
