import {Args, Flags} from '@oclif/core';
import {SessionCommand} from '../../cli/base-command.js';
import {durationFlag} from '../../cli/duration.js';
import {parseNumber} from '../../cli/numbers.js';
import {audioSendView} from '../../cli/audio-send-progress.js';
import {liveProgress} from '../../cli/terminal.js';
import {audioSendSessionOptions, prepareAudioSend, RECORD_CODECS, sendAudio, type AudioSendReport, type RecordCodecChoice} from '../../client/actions/audio-send.js';
import {ChannelType} from '../../client/wire/enums.js';

export default class AudioSend extends SessionCommand {
  static override summary = "Send a WAV file or a tone to the guest's microphone (the record channel).";
  static override description = `Connects and waits for the server to start the record channel, which it does only while the guest records (arecord, or dd from /dev/dsp): within --timeout, else exit 40. The sound is converted to the format the server asks for (its channels and rate, 16-bit PCM: channels mixed, resampled) and sent in real time, as raw PCM or Opus (--codec). It ends when everything was sent, when the guest stops recording (reported, not an error), or on Ctrl-C (exit 130). A file that is not a WAV of 16-bit PCM: exit 2 before connecting. A server without a record channel (Xspice never has one), or --codec opus where the server takes no Opus: exit 2. Progress on stderr: a bar on a terminal, plain lines otherwise. --json reports the format sent, frames, duration, packets, the pacing (how late packets left), when the server started recording and the multimedia time stamps.`;
  static override examples = [
    '<%= config.bin %> audio send --uri spice://127.0.0.1:5900 speech.wav',
    '<%= config.bin %> audio send --tone 440 --seconds 4 --json',
  ];

  static override args = {
    file: Args.string({description: 'WAV file (16-bit PCM, any channels and rate) to send; or give --tone.', required: false}),
  };

  static override flags = {
    tone: Flags.string({description: 'Send a sine tone at this frequency (Hz, −6 dBFS) instead of a file.', helpValue: 'HZ'}),
    seconds: durationFlag({name: 'seconds', unit: 's', description: 'Send at most this much (a tone lasts 5 s without it).'}),
    codec: Flags.string({
      description: "Audio encoding to send: raw (PCM), opus (exit 2 when the server's record channel takes no Opus) or auto (Opus when the server offers it, else raw).",
      options: [...RECORD_CODECS],
      default: 'auto',
    }),
  };

  async run(): Promise<void> {
    const {args, flags} = await this.parse(AudioSend);
    const codec = flags.codec as RecordCodecChoice;
    const input = prepareAudioSend({file: args.file, toneHz: parseNumber(flags.tone, '--tone'), maxMs: flags.seconds});
    const view = audioSendView(process.stderr, liveProgress(flags.verbose));
    let report: AudioSendReport;
    try {
      report = await this.withSession(flags, {channels: [ChannelType.RECORD], ...audioSendSessionOptions(codec)}, (s, signal) =>
        sendAudio(s, input, {
          maxMs: flags.seconds,
          codec,
          timeoutMs: flags.timeout,
          signal,
          onWaiting: () => view.waiting(),
          onStarted: (f, frames, mode) => view.started(f, frames, mode),
          onProgress: (p) => view.progress(p),
        }),
      );
    } finally {
      view.close();
    }
    const ended = report.endedBy === 'server-stopped' ? ' (the guest stopped recording first)' : '';
    const human = `sent ${(report.durationMs / 1000).toFixed(2)} s (${report.format.channels} ch, ${report.format.rate} Hz, ${report.mode}) in ${report.packets} packets${ended}; latest packet ${report.pacing.maxLateMs} ms behind its time`;
    this.report(report, human);
  }
}
