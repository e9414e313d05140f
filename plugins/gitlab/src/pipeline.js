// `Pipeline Hook` and `Job Hook`: CI results. Each message starts with an emoji that tells success
// from failure at a glance; only the statuses the configuration lists are posted.

import { duration, firstLine, list, maybeCodeLink, maybeLink, obj, shortSha, str, text, title, withList } from './markup.js';

/** The emoji and the verb phrase of a pipeline or job status. */
const STATUS = {
  success: ['✅', 'passed'],
  failed: ['❌', 'failed'],
  canceled: ['⏹️', 'was canceled'],
  canceling: ['⏹️', 'is being canceled'],
  skipped: ['⏭️', 'was skipped'],
  running: ['▶️', 'is running'],
  pending: ['⏳', 'is pending'],
  created: ['⏳', 'was created'],
  preparing: ['⏳', 'is preparing'],
  waiting_for_resource: ['⏳', 'is waiting for a resource'],
  waiting_for_callback: ['⏳', 'is waiting for a callback'],
  manual: ['✋', 'is waiting for a manual action'],
  scheduled: ['⏰', 'is scheduled'],
};
const status = (value) => STATUS[value] ?? ['❔', `is ${value || 'in an unknown state'}`];

/** " on `main`", " for tag `v1`", or `''` without a ref. */
function onRef(ref, isTag, context) {
  if (!ref) return '';
  const url = context.projectPath(`/-/${isTag ? 'tags' : 'tree'}/${ref}`);
  return `${isTag ? ' for tag' : ' on'} ${maybeCodeLink(ref, url)}`;
}

/** The skip reason of the `branches` filter for a branch pipeline or job, or `null`. */
const branchFilter = (ref, isTag, context) => (ref && !isTag ? context.config.branchSkipReason(ref) : null);

/** "\n[`bcbb5ec3`](url) Title — Author" of a pipeline's or job's commit, or `''`. */
function commitLine(commit, sha, context) {
  const c = obj(commit);
  // A pipeline's `commit.id` is the SHA; a job's is the pipeline id, with the SHA in `sha`.
  const id = str(c.sha) || (typeof c.id === 'string' ? c.id : '') || sha;
  if (!id) return '';
  const url = str(c.url) || context.projectPath(`/-/commit/${id}`);
  const line = text(title(firstLine(str(c.title) || str(c.message))));
  const author = str(obj(c.author).name) || str(c.author_name);
  return `\n${maybeCodeLink(shortSha(id), url)}${line ? ` ${line}` : ''}${author ? ` — ${text(author)}` : ''}`;
}

/**
 * Renders a `Pipeline Hook`.
 * @returns {{post: string} | {skip: string}}
 */
export function pipeline(payload, context) {
  const p = obj(payload.object_attributes);
  const state = str(p.status);
  const ref = str(p.ref);
  const skip = context.config.statusSkipReason('pipeline_statuses', state) ?? branchFilter(ref, p.tag === true, context);
  if (skip) return { skip };

  const [emoji, verb] = status(state);
  const id = str(p.id);
  const url = str(p.url) || (id ? context.projectPath(`/-/pipelines/${id}`) : '');
  const name = str(p.name) ? ` ${text(title(p.name))}` : '';
  const mr = obj(payload.merge_request);
  const mrIid = str(mr.iid);
  const forMr = mrIid ? ` for ${maybeLink(`!${mrIid} ${title(mr.title)}`, str(mr.url))}` : '';
  const took = duration(p.duration);
  let content = `${emoji} Pipeline ${maybeLink(`#${id}`, url)}${name} ${verb}${onRef(ref, p.tag === true, context)}${forMr} in ${context.project()}${took ? ` after ${took}` : ''}`;
  const user = obj(payload.user);
  if (user.name || user.username) content += `, triggered by ${context.user(user)}`;
  content += commitLine(payload.commit, str(p.sha), context);

  const jobs = list(payload.builds).map(obj);
  const jobLink = (job) => maybeLink(str(job.name) || `#${str(job.id)}`, str(job.id) ? context.projectPath(`/-/jobs/${str(job.id)}`) : '');
  const failed = jobs.filter((job) => job.status === 'failed' && job.allow_failure !== true);
  const allowed = jobs.filter((job) => job.status === 'failed' && job.allow_failure === true);
  let trailer = state === 'failed' ? context.failureMentions() : '';
  if (allowed.length > 0) {
    const names = allowed.slice(0, 5).map(jobLink).join(', ');
    const more = allowed.length > 5 ? ` and ${allowed.length - 5} more` : '';
    trailer = `\n⚠️ Allowed to fail: ${names}${more}${trailer}`;
  }
  if (failed.length > 0) {
    const lines = failed.map((job) => `- ${jobLink(job)}${str(job.stage) ? ` (${text(str(job.stage))})` : ''}${reason(job.failure_reason)}`);
    content = withList(`${content}\nFailed jobs:`, lines, 'failed jobs', { trailerChars: [...trailer].length });
  }
  return { post: content + trailer };
}

/** ": script failure" for a job's failure reason, `''` without one. */
const reason = (value) => (str(value) ? `: ${text(str(value).replaceAll('_', ' '))}` : '');

/**
 * Renders a `Job Hook`.
 * @returns {{post: string} | {skip: string}}
 */
export function job(payload, context) {
  const state = str(payload.build_status);
  const ref = str(payload.ref);
  const skip = context.config.statusSkipReason('job_statuses', state) ?? branchFilter(ref, payload.tag === true, context);
  if (skip) return { skip };

  const allowedFailure = state === 'failed' && payload.build_allow_failure === true;
  const [emoji, verb] = allowedFailure ? ['⚠️', 'failed (allowed to fail)'] : status(state);
  const id = str(payload.build_id);
  const url = id ? context.projectPath(`/-/jobs/${id}`) : '';
  const stage = str(payload.build_stage) ? ` (${text(str(payload.build_stage))})` : '';
  const took = duration(payload.build_duration);
  const why = state === 'failed' && str(payload.build_failure_reason) ? ` (${text(str(payload.build_failure_reason).replaceAll('_', ' '))})` : '';
  let content = `${emoji} Job ${maybeLink(str(payload.build_name) || `#${id}`, url)}${stage} ${verb}${onRef(ref, payload.tag === true, context)} in ${context.project()}${took ? ` after ${took}` : ''}${why}`;
  const pipelineId = str(payload.pipeline_id);
  if (pipelineId) content += `, pipeline ${maybeLink(`#${pipelineId}`, context.projectPath(`/-/pipelines/${pipelineId}`))}`;
  const user = obj(payload.user);
  if (user.name || user.username) content += `, triggered by ${context.user(user)}`;
  content += commitLine(payload.commit, str(payload.sha), context);
  if (state === 'failed' && !allowedFailure) content += context.failureMentions();
  return { post: content };
}

