/**
 * The pull-request comment and job summary of one environment's plan (and, after merge, of what
 * was applied): markers that find the comment again (`comment-markers.ts`), the rendering that
 * fits GitHub's limit (`comment-render.ts`), and the sections built from the plans
 * (`comment-sections.ts`).
 */
export {
  commentMarker,
  planHashMarker,
  readPlanHash,
  type CommentKind,
} from './comment-markers.js';
export {
  COMMENT_LIMIT,
  measure,
  renderComment,
  renderReport,
  sectionCap,
  type CommentInput,
  type Section,
} from './comment-render.js';
export { planSummary, reportSections, type ReportPlans } from './comment-sections.js';
export { isOidcChange } from './access.js';
