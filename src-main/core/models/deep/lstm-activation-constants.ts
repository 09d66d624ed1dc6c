/**
 * The constants of the LSTM's activations, shared by the JavaScript step kernels
 * (sequence-lstm.ts, float64 with float32 rounding) and the WebAssembly SIMD ones
 * (lstm-step-simd.ts, float32): both must compute the same function.
 *
 * tanh is Eigen's float32 rational approximation (TensorFlow's CPU kernels): x clamped to
 * +-TANH_CLAMP, x itself where |x| < TANH_LINEAR, else x P(x^2) / Q(x^2) with the coefficients
 * below, highest power first (Horner's order). hardSigmoid is tfjs's clip(HS_SLOPE z + 0.5, 0, 1).
 */
export const TANH_CLAMP = 7.90531110763549805
export const TANH_LINEAR = 0.0004
export const TANH_P = [-2.76076847742355e-16, 2.00018790482477e-13, -8.60467152213735e-11, 5.12229709037114e-8, 1.48572235717979e-5, 6.37261928875436e-4, 4.89352455891786e-3] as const
export const TANH_Q = [1.19825839466702e-6, 1.18534705686654e-4, 2.268434632439e-3, 4.89352518554385e-3] as const
export const HS_SLOPE = 0.2
