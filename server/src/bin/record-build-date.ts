// Run by `npm run build` after tsc: records when this build was made, for the version's "built on" date
// (see admin/build-date.ts).
import { recordBuildTime } from '../admin/build-date.js';

recordBuildTime(new Date());
