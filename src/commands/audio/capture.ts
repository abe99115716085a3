import {Flags} from '@oclif/core';
import {SessionCommand} from '../../cli/base-command.js';
import {durationFlag} from '../../cli/duration.js';
import {audioMeter} from '../../cli/audio-meter.js';
import {liveProgress} from '../../cli/terminal.js';
import {AUDIO_CODECS, audioSessionOptions, captureAudio, prepareAudioCapture, type AudioCaptureReport, type AudioCodecChoice} from '../../client/actions/audio-capture.js';
import {ChannelType} from '../../client/wire/enums.js';

export default class AudioCapture extends SessionCommand {
  static override summary = 'Record what the guest plays (the playback channel) to a WAV file.';
  static override description = `Connects, waits for the server's playback START and the first audio data (both within --timeout: exit 40 when the guest plays nothing), and writes the samples to a WAV file in the format the server announces (its channels and rate, 16-bit PCM): raw PCM unchanged, Opus decoded. The capture ends after --seconds of audio, after --until-silence without sound once sound was heard, or on Ctrl-C (exit 130; the WAV holds what arrived). With neither flag it runs until Ctrl-C. Gaps while the guest plays nothing are not filled in. A server without a playback channel: exit 2. A level meter is drawn on stderr on a terminal, plain progress lines otherwise. --json reports the server's mode (RAW or OPUS), the format, frames, duration, peak and RMS levels (dBFS), the dominant frequency, the time to the first sample, the packets' multimedia time stamps, and the guest's volume, mute and the server's playback latency when it sent them.`;
  static override examples = [
    '<%= config.bin %> audio capture --uri spice://127.0.0.1:5900 -o guest.wav --seconds 5',
    '<%= config.bin %> audio capture -o beep.wav --until-silence 500ms --json',
    '<%= config.bin %> audio capture -o - --seconds 10 > guest.wav',
  ];

  static override flags = {
    output: Flags.string({char: 'o', description: 'WAV file to write (its folder is created), or - for stdout (then --json prints on stderr).', required: true}),
    seconds: durationFlag({name: 'seconds', unit: 's', description: 'End after this much audio (the WAV holds exactly that long).'}),
    'until-silence': durationFlag({name: 'until-silence', unit: 'ms', description: 'End once the guest was silent this long (no data, or nothing above −60 dBFS), after it played something.'}),
    codec: Flags.string({
      description: 'Audio encoding to ask the server for: raw (PCM, bit for bit), opus (decoded to PCM; exit 2 when the server sends raw) or auto (Opus offered, the server picks).',
      options: [...AUDIO_CODECS],
      default: 'auto',
    }),
  };

  /** Set with -o -: stdout carries the WAV, so JSON (the report, or an error after Ctrl-C) goes to stderr. */
  private wavOnStdout = false;

  protected override printJson(value: unknown): void {
    if (!this.wavOnStdout) return super.printJson(value);
    process.stderr.write(JSON.stringify(value, null, 2) + '\n');
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(AudioCapture);
    prepareAudioCapture(flags.output, {maxMs: flags.seconds, untilSilenceMs: flags['until-silence']});
    const toStdout = flags.output === '-';
    this.wavOnStdout = toStdout;
    const codec = flags.codec as AudioCodecChoice;
    const meter = audioMeter(process.stderr, liveProgress(flags.verbose));
    let report: AudioCaptureReport;
    try {
      report = await this.withSession(flags, {channels: [ChannelType.PLAYBACK], ...audioSessionOptions(codec)}, (s, signal) =>
        captureAudio(s, {
          output: toStdout ? {stream: process.stdout, name: '-'} : {file: flags.output},
          maxMs: flags.seconds,
          untilSilenceMs: flags['until-silence'],
          codec,
          timeoutMs: flags.timeout,
          signal,
          onListening: (f) => meter.listening(f),
          onProgress: (p) => meter.progress(p),
        }),
      );
    } finally {
      meter.close();
    }
    const human = `wrote ${report.file === '-' ? 'the WAV to stdout' : report.file}: ${(report.durationMs / 1000).toFixed(2)} s (${report.format.channels} ch, ${report.format.rate} Hz), peak ${report.peakDbfs ?? '-∞'} dBFS, RMS ${report.rmsDbfs ?? '-∞'} dBFS${report.dominantHz !== null ? `, dominant ${report.dominantHz} Hz` : ''}`;
    this.report(report, human);
  }
}
