import * as tf from '@tensorflow/tfjs'

/**
 * tfjs's own class for a layer we replace (SequenceLSTM for 'LSTM', FusedDropout for 'Dropout').
 * tfjs exports these classes as types only: the value is the one registered for deserialisation.
 * Our replacement registers under the same name and keeps the stock class as `workbenchStock`, so
 * a second load of a module (tests, bundles) still finds tfjs's class, not ours.
 */
export function stockLayerClass<C>(className: string): C {
  const registered = tf.serialization.SerializationMap.getMap().classNameMap[className][0] as unknown as C & { workbenchStock?: C }
  return registered.workbenchStock ?? registered
}
