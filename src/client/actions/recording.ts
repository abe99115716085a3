/**
 * Recording a session (`--record FILE`): the writer is a wire tap the session options take. The record and
 * replay operations (issue 14) grow here.
 */
export {RecordingWriter} from '../recording/writer.js';
