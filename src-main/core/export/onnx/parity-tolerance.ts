/**
 * Largest difference allowed between two runs of one model on two engines (ONNX Runtime and
 * tfjs; WebGPU and wasm), relative for values above 1: float32 sums taken in another order, not
 * another result. One figure for the bundle's export check, the in-training parity guard and the
 * WebGPU rung's check, so that the three cannot drift apart. Its own module: the WebGPU rung and
 * the trainers import it without loading ONNX Runtime.
 */
export const PARITY_TOLERANCE = 1e-4
