/**
 * The ONNX tools: a deterministic graph builder on onnx-proto, model decode/encode/walk helpers
 * for rewriting models, synthetic MLP/CNN generators for benchmarks and tests, and a small
 * trainer (ClusterTask + trainMlpClassifier) that makes a real, trained classifier to measure on.
 */
export { buildCnn, type CnnOptions } from './build-cnn.js';
export { buildMlp, type MlpLayerWeights, type MlpOptions, requirePositiveInt } from './build-mlp.js';
export { ClusterTask, type ClusterTaskOptions, type LabelledRows } from './cluster-task.js';
export {
  ELEMENT_TYPE_BYTES,
  ELEMENT_TYPE_CODES,
  elementTypeCode,
  elementTypeName,
  type OnnxElementType,
} from './element-type.js';
export { float16BitsToFloat32, float32ToFloat16Bits } from './float16.js';
export {
  buildMlpTrainingStep,
  type MlpTrainingStepOptions,
  trainingTensorNames,
} from './mlp-training-step.js';
export { attr, makeAttribute, type OnnxAttributeValue } from './onnx-attribute.js';
export {
  makeValueInfo,
  type OnnxDim,
  OnnxGraphBuilder,
  type OnnxGraphBuilderOptions,
  type OnnxNodeOptions,
} from './onnx-graph-builder.js';
export {
  allInitializers,
  allNodes,
  type DecodedOnnxModel,
  decodeOnnxModel,
  describeValueInfo,
  encodeOnnxModel,
  nodeSubgraphs,
  type OnnxGraphPath,
  type OnnxGraphVisitor,
  type OnnxValueDescription,
  opsetVersionOf,
  walkGraphs,
} from './onnx-model-codec.js';
export { type Int64Like, int64ToNumber, type OnnxProto, onnx } from './onnx-proto.js';
export { makeTensor, type OnnxTensorData, type OnnxTensorValues, readTensor } from './onnx-tensor.js';
export { SeededRandom } from './seeded-random.js';
export {
  type MlpTrainingOptions,
  type StepRunner,
  type StepRunnerFactory,
  type TrainedMlp,
  type TrainingTensor,
  trainMlpClassifier,
} from './train-mlp-classifier.js';
