import { get } from './api.js';
import { h } from './dom.js';
import type { Job } from './types.js';

/** Polls a job until it ends, showing its progress in `box`; resolves with the finished job. */
export async function followJob(job: Job, box: HTMLElement, label: string): Promise<Job> {
  const bar = h('progress', { max: job.total ?? 1, value: 0 });
  const text = h('span', { class: 'muted' }, ` ${label}…`);
  box.replaceChildren(h('div', { class: 'job', 'data-job': job.id }, bar, text));
  for (;;) {
    if (job.status !== 'running') break;
    await new Promise((r) => setTimeout(r, 300));
    job = await get<Job>(`/api/jobs/${job.id}`);
    bar.value = job.done;
    text.textContent = ` ${label}: ${job.done.toLocaleString('en-US')}${job.total ? ` of ${job.total.toLocaleString('en-US')}` : ''} decisions`;
  }
  if (job.status === 'failed') box.replaceChildren(h('div', { class: 'err' }, `${label} failed [${job.error?.code}]: ${job.error?.message}`));
  else box.replaceChildren(h('div', { class: 'muted' }, `${label} done in ${job.seconds?.toFixed(1)} s`));
  return job;
}
