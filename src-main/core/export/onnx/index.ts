/** ONNX export: the public surface the bundle writer and `verify` use. */
export { exportRunModel, resolveCheckpoint, type ExportedRunModel, type ExportRunOptions } from './export-run'
export { exportIsolationForest, type IForestExportOptions } from './iforest-onnx'
export { exportTfjsModel, UnsupportedLayerError, type TfjsExportOptions, type TfjsHead } from './tfjs-onnx'
export { checkParity, runOnnx, type ParityResult, type Reference } from './parity'
export { iforestReference, tfjsReference } from './reference'
export { GraphBuilder, readMetadata, graphIO, decodeModel, IR_VERSION, OPSET_ONNX, OPSET_ML } from './graph'
