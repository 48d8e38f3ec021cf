/** Event inputs for store and recorder tests: valid, deterministic from an index, some with blob-sized tensors. */

/** A critic.evaluated event of `rows` states of width 4, values derived from `i`. */
export function criticEvaluated(i: number, o: { rows?: number; id?: string; episode?: number | null; step?: number | null; component?: string } = {}) {
  const rows = o.rows ?? 2;
  const states = new Float32Array(rows * 4);
  for (let k = 0; k < states.length; k++) states[k] = i + k / 8;
  const values = new Float32Array(rows);
  for (let k = 0; k < rows; k++) values[k] = -i - k;
  return {
    type: 'critic.evaluated' as const,
    ...(o.id !== undefined ? { id: o.id } : {}),
    episode: o.episode === undefined ? Math.floor(i / 100) : o.episode,
    step: o.step === undefined ? i % 100 : o.step,
    decision: i,
    component: o.component ?? 'critic',
    version: 'abc',
    payload: {
      states: { dtype: 'float32' as const, shape: [rows, 4], data: states },
      values: { dtype: 'float32' as const, shape: [rows], data: values },
    },
  };
}

export function envStepped(i: number, o: { id?: string } = {}) {
  return {
    type: 'env.stepped' as const,
    ...(o.id !== undefined ? { id: o.id } : {}),
    episode: Math.floor(i / 100),
    step: i % 100,
    decision: i,
    payload: {
      action: i % 3,
      observation: { dtype: 'float64' as const, shape: [3], data: Float64Array.from([i, -0, Number.NaN]) },
      reward: i / 7,
      terminated: false,
      truncated: i % 50 === 49,
      performance: null,
    },
  };
}

export function annotation(i: number, o: { id?: string } = {}) {
  return {
    type: 'annotation' as const,
    ...(o.id !== undefined ? { id: o.id } : {}),
    payload: { target: i, label: `note ${i}`, note: i % 2 === 0 ? null : 'ünïcode ✓', author: null },
  };
}

/** A component.updated with a NaN loss and a tensor batch. */
export function componentUpdated(i: number) {
  return {
    type: 'component.updated' as const,
    component: 'critic',
    version: `v${i + 1}`,
    parent: i > 0 ? i - 1 : null,
    payload: {
      from_version: `v${i}`,
      to_version: `v${i + 1}`,
      update: i + 1,
      loss: Number.NaN,
      grad_norm: Number.POSITIVE_INFINITY,
      batch: { events: [i, i + 1], tensors: { x: { dtype: 'int32' as const, shape: [2], data: Int32Array.from([i, -i]) } } },
      hyper: { lr: 0.001, nested: { a: [1, 2, null] } },
    },
  };
}
