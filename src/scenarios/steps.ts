/**
 * The scenario format declared once as data: the top-level keys, the defaults and every step with its
 * fields. The loader (load.ts) validates against these declarations and the JSON Schema for editors
 * (docs/scenario.schema.json, schema.ts) is generated from them, so the two cannot drift apart.
 */

/** Value kinds a field may hold; `duration` is milliseconds as a number, or a string like "5s" / "250ms". */
export type FieldType =
  | 'string'
  | 'integer'
  | 'number'
  | 'boolean'
  | 'duration'
  | 'needles' // one needle name or a list of them
  | 'point' // [x, y]
  | 'region' // [x, y, width, height]
  | 'steps' // a list of steps
  | 'strings' // one string or a list of them
  | 'layout' // monitors "WxH+X+Y": one string (comma-separated) or a list of them
  | 'vars'; // a mapping of names to scalars

export interface FieldDef {
  type: FieldType;
  description: string;
  required?: boolean;
  /** Allowed values of a string field. */
  values?: readonly string[];
  min?: number;
  max?: number;
  /** Old spellings still read as this field (documented as such; giving both is an error). */
  aliases?: readonly string[];
}

export interface StepDef {
  summary: string;
  fields: Record<string, FieldDef>;
  /** The field a short form (`- sleep: 500`) fills; steps without one take only a mapping. */
  scalar?: string;
}

const timeout: FieldDef = {type: 'duration', description: 'How long to wait at most (default: defaults.timeout).'};
const match: FieldDef = {type: 'number', min: 0, max: 100, aliases: ['threshold'], description: 'Percentage of pixels that must match, for needle areas without their own `match` (default: defaults.match, else 100). `threshold` is the old spelling.'};
const needles: FieldDef = {type: 'needles', required: true, description: 'A needle name (needles/NAME.json beside the scenario, or a path ending in .json), or a list of them: any one matching is enough.'};
const button: FieldDef = {type: 'string', values: ['left', 'middle', 'right', 'side', 'extra'], description: 'Mouse button (default left).'};
const coord: FieldDef = {type: 'integer', min: 0, required: true, description: 'Guest screen pixel.'};

export const TOP_FIELDS: Record<string, FieldDef> = {
  name: {type: 'string', description: 'Name of the scenario (reports, JUnit test case); default: the file name.'},
  uri: {type: 'string', description: 'Server URI (spice://HOST:PORT ...); --uri or SPICE_URI when absent.'},
  password_file: {type: 'string', description: 'File holding the password (relative to the scenario file).'},
  password_env: {type: 'string', description: 'Environment variable holding the password.'},
  defaults: {type: 'vars', description: 'Defaults of the steps (see DEFAULT_FIELDS).'},
  vars: {type: 'vars', description: 'Variables for ${NAME} (--var NAME=VALUE overrides them; the environment is consulted last).'},
  steps: {type: 'steps', required: true, description: 'The steps, run in order.'},
};

export const DEFAULT_FIELDS: Record<string, FieldDef> = {
  timeout: {type: 'duration', description: 'Limit of every wait (default 10s).'},
  rate: {type: 'number', min: 0.1, max: 1000, description: 'Typing rate, keys per second (default 50).'},
  layout: {type: 'string', values: ['us', 'gb', 'de', 'fr', 'es', 'it', 'dvorak'], description: 'Keyboard layout of the guest (default us).'},
  match: {type: 'number', min: 0, max: 100, aliases: ['threshold'], description: 'Percentage of pixels that must match, for needle areas without their own `match` (default 100: every pixel). `threshold` is the old spelling.'},
  needles: {type: 'string', description: 'Folder of the needles, relative to the scenario file (default "needles").'},
  monitor: {type: 'integer', min: 0, description: 'Monitor the screen steps look at (default 0).'},
};

export const STEPS: Record<string, StepDef> = {
  wait_still: {summary: 'Wait until the display has been still (no draw) for `ms`.', scalar: 'ms', fields: {ms: {type: 'duration', required: true, description: 'Stillness to wait for.'}, timeout}},
  wait_screen: {summary: 'Wait until one of the needles matches; exit 40 at the timeout.', scalar: 'needles', fields: {needles, timeout, match}},
  assert_screen: {summary: 'Like wait_screen, but a screen that never matches is a failed expectation (exit 1).', scalar: 'needles', fields: {needles, timeout, match}},
  check_screen: {
    summary: 'Look for the needles (once, or until `timeout`) without failing; the matched needle\'s name goes to ${MATCHED} (and to `as`).',
    scalar: 'needles',
    fields: {needles, timeout: {type: 'duration', description: 'How long to look (default 0: the current screen only).'}, match, as: {type: 'string', description: 'Also store the matched name (or "") in this variable.'}},
  },
  if: {
    summary: 'Run `then` when a needle matches now (or `matched` equals the last check_screen result), else `else`.',
    fields: {
      screen: {type: 'needles', description: 'Needles to look for (within `timeout`, default 0).'},
      matched: {type: 'string', description: 'Compare with the needle name the last check_screen matched.'},
      timeout: {type: 'duration', description: 'How long to look for `screen` (default 0).'},
      match,
      then: {type: 'steps', required: true, description: 'Steps when the condition holds.'},
      else: {type: 'steps', description: 'Steps otherwise.'},
    },
  },
  repeat: {
    summary: 'Run `steps` up to `times` times, stopping as soon as `until` matches (checked before each round); failing when it never does.',
    fields: {
      steps: {type: 'steps', required: true, description: 'The steps of one round.'},
      times: {type: 'integer', min: 1, max: 100000, description: 'Rounds at most (default 10).'},
      until: {type: 'needles', description: 'Stop once one of these needles matches.'},
      match,
    },
  },
  click_needle: {summary: 'Wait for a needle, then click its click point (or the centre of its first area).', scalar: 'needles', fields: {needles, timeout, match, button, double: {type: 'boolean', description: 'Double-click.'}}},
  wait_change: {summary: 'Wait until a region of the screen (default: all) differs from when the step started.', fields: {region: {type: 'region', description: '[x, y, width, height] (default: the whole monitor).'}, timeout}},
  type: {summary: 'Type text (newlines are Enter).', scalar: 'text', fields: {text: {type: 'string', required: true, description: 'The text.'}, rate: {type: 'number', min: 0.1, max: 1000, description: 'Keys per second.'}, layout: DEFAULT_FIELDS.layout!}},
  key: {
    summary: 'Press key combinations (enter, ctrl-alt-delete, ...); or hold them down (`down`) or let them go (`up`).',
    scalar: 'keys',
    fields: {
      keys: {type: 'strings', required: true, description: 'A combination or a list of them.'},
      layout: DEFAULT_FIELDS.layout!,
      hold: {type: 'duration', description: 'How long each combination is held down (default 50ms): a long press.'},
      down: {type: 'boolean', description: 'Press the keys and leave them held (until a key step with `up`, or the end of the session).'},
      up: {type: 'boolean', description: 'Release the keys (held by `down`).'},
    },
  },
  click: {
    summary: 'Click at x, y.',
    fields: {x: coord, y: coord, button, double: {type: 'boolean', description: 'Double-click.'}, hold: {type: 'duration', description: 'How long the button stays down (default 20ms): a long press.'}},
  },
  move: {summary: 'Move the pointer to x, y.', fields: {x: coord, y: coord}},
  drag: {summary: 'Press at `from`, move to `to`, release.', fields: {from: {type: 'point', required: true, description: '[x, y]'}, to: {type: 'point', required: true, description: '[x, y]'}, button}},
  scroll: {summary: 'Turn the wheel.', fields: {direction: {type: 'string', values: ['up', 'down'], required: true, description: 'up or down.'}, clicks: {type: 'integer', min: 1, max: 1000, description: 'Wheel clicks (default 1).'}, at: {type: 'point', description: 'Move there first.'}}},
  clipboard_set: {summary: 'Put text on the guest clipboard (guest agent needed).', scalar: 'text', fields: {text: {type: 'string', required: true, description: 'The text.'}}},
  clipboard_expect: {summary: 'Wait until the guest clipboard holds the text (guest agent needed).', scalar: 'text', fields: {text: {type: 'string', required: true, description: 'The expected text.'}, timeout}},
  send_file: {
    summary: "Send a file to the guest through its agent (spice-vdagent saves it in its transfer folder); a refusal fails the step (exit 1).",
    scalar: 'file',
    fields: {
      file: {type: 'string', required: true, description: 'Path of the file, relative to this scenario file.'},
      name: {type: 'string', description: "Name on the guest (default: the file's base name)."},
      timeout,
    },
  },
  resize: {
    summary: 'Ask the guest (agent) for a monitor size; the other monitors stay as they are.',
    fields: {
      width: {type: 'integer', min: 1, max: 16384, required: true, description: 'Pixels.'},
      height: {type: 'integer', min: 1, max: 16384, required: true, description: 'Pixels.'},
      monitor: {type: 'integer', min: 0, max: 15, description: 'Monitor to resize, its index in the layout the display channel reports (default 0).'},
      timeout,
    },
  },
  monitors: {
    summary: 'Ask the guest (agent) for a monitor layout and wait until the display channel shows it.',
    // `set` as in `spice-cli monitors --set` (`layout` is the keyboard layout of type and key steps).
    scalar: 'set',
    fields: {set: {type: 'layout', required: true, description: 'Monitors as WIDTHxHEIGHT+X+Y: "1024x768+0+0,800x600+1024+0", or a list of them.'}, timeout},
  },
  screenshot: {summary: 'Save the screen as NAME.png in the artifacts folder.', scalar: 'name', fields: {name: {type: 'string', required: true, description: 'File name without .png.'}}},
  sleep: {summary: 'Wait for a fixed time.', scalar: 'ms', fields: {ms: {type: 'duration', required: true, description: 'How long.'}}},
  measure: {
    summary: 'Run `steps`, then wait for `until` (a needle) or `still`; the time from the first step until then is reported as figure `name` (ms).',
    fields: {
      name: {type: 'string', required: true, description: 'Name of the figure.'},
      steps: {type: 'steps', description: 'Steps that start what is measured (e.g. a key press).'},
      until: {type: 'needles', description: 'The screen condition: one of these needles matches.'},
      still: {type: 'duration', description: 'The screen condition: still for this long (when no `until`).'},
      timeout,
      match,
    },
  },
  audio_capture: {
    summary: 'Start capturing what the guest plays, in the background while the later steps run (`start: NAME`), or end that capture (`stop: NAME`); the WAV is saved as NAME.wav in the artifacts folder. A capture still running when the scenario ends is stopped and saved.',
    fields: {
      start: {type: 'string', description: 'Name of a capture to start (its WAV: NAME.wav in the artifacts folder).'},
      stop: {type: 'string', description: 'Name of a running capture to end.'},
    },
  },
  audio_expect: {
    summary: 'Check the sound of a named capture (or of a capture of `seconds` made now): silence, dominant frequency, RMS level, likeness to a reference WAV; an unmet expectation is exit 1 with the measured values.',
    fields: {
      capture: {type: 'string', description: 'A capture started by audio_capture (stopped, or still running: what it holds so far).'},
      seconds: {type: 'number', min: 0.01, max: 3600, description: 'Instead of `capture`: capture this long now and check that.'},
      silence: {type: 'boolean', description: 'true: the peak stays at or below `floor`; false: it rises above it (not silent).'},
      floor: {type: 'number', min: -150, max: 0, description: 'The silence level for `silence`, dBFS (default -60).'},
      frequency: {type: 'number', min: 1, max: 400000, description: 'The dominant frequency (Hz) must be this, within `tolerance`.'},
      tolerance: {type: 'number', min: 0, description: 'Hz either side of `frequency` (default 5).'},
      rms_above: {type: 'number', min: -150, max: 0, description: 'The RMS level must be above this (dBFS).'},
      rms_below: {type: 'number', min: -150, max: 0, description: 'The RMS level must be below this (dBFS).'},
      like: {type: 'string', description: 'A reference WAV (16-bit PCM, relative to this scenario file) the sound must resemble: normalized cross-correlation of the mono mixes, at the best offset.'},
      score: {type: 'number', min: 0, max: 1, description: 'The lowest acceptable correlation score for `like` (default 0.9; 1 = the same waveform at any loudness).'},
    },
  },
  audio_send: {
    summary: "Send a WAV file or a tone to the guest's microphone (the record channel), in real time; waits (up to `timeout`) for the guest to start recording, and ends when all was sent or the guest stops recording.",
    fields: {
      file: {type: 'string', description: 'A WAV file (16-bit PCM, any channels and rate; relative to this scenario file), converted to what the server asks for.'},
      tone: {type: 'number', min: 1, max: 100000, description: 'Instead of `file`: a sine of this frequency (Hz), at half scale.'},
      seconds: {type: 'number', min: 0.01, max: 3600, description: 'Send at most this long (a tone: default 5).'},
      timeout: {type: 'duration', description: 'How long to wait for the guest to start recording (default: defaults.timeout); exit 40 after it.'},
    },
  },
  usb_attach: {
    summary: 'Plug an emulated USB device into the guest through a free usbredir slot (or `slot`): a disk image as a USB stick, a keyboard (for usb_type) or a tablet. It stays attached until usb_detach or the end of the scenario (then it is detached).',
    scalar: 'emulate',
    fields: {
      emulate: {type: 'string', required: true, values: ['storage', 'keyboard', 'tablet'], description: 'The device: storage (needs `image`), keyboard or tablet.'},
      image: {type: 'string', description: 'storage: the disk image file (relative to this scenario file; 512-byte blocks).'},
      read_only: {type: 'boolean', description: 'storage: the guest sees a write-protected disk; the file is opened read-only (default false).'},
      as: {type: 'string', description: 'The name usb_detach and usb_type use (default: the `emulate` value).'},
      slot: {type: 'integer', min: 0, description: 'The usbredir slot (channel id); default the first free one.'},
      timeout: {type: 'duration', description: "How long to wait for the slot's usbredir hello (default: defaults.timeout)."},
    },
  },
  usb_detach: {
    summary: "Unplug a device usb_attach plugged in (the guest's acknowledgement awaited), freeing its slot.",
    scalar: 'name',
    fields: {name: {type: 'string', required: true, description: 'The name usb_attach gave it (`as`, else its `emulate`).'}, timeout: {type: 'duration', description: "How long to wait for the guest's acknowledgement (default: defaults.timeout)."}},
  },
  usb_type: {
    summary: 'Type text (newlines are Enter) through a keyboard usb_attach plugged in, once the guest reads it.',
    scalar: 'text',
    fields: {
      text: {type: 'string', required: true, description: 'The text.'},
      name: {type: 'string', description: 'The keyboard (default "keyboard").'},
      rate: {type: 'number', min: 0.1, max: 1000, description: 'Keys per second.'},
      layout: DEFAULT_FIELDS.layout!,
      timeout: {type: 'duration', description: "How long to wait for the guest's driver to read the keyboard (default 60s: a freshly plugged keyboard)."},
    },
  },
  include: {summary: 'Run the steps of another scenario file (its `steps`, or a plain list), relative to this file.', scalar: 'file', fields: {file: {type: 'string', required: true, description: 'Path of the file.'}}},
};

export const STEP_NAMES = Object.keys(STEPS);

/** The field `name` spells in `fields`, its own name or an old spelling: [field name, declaration]. */
export function fieldNamed(fields: Record<string, FieldDef>, name: string): [string, FieldDef] | undefined {
  if (Object.hasOwn(fields, name)) return [name, fields[name]!];
  return Object.entries(fields).find(([, f]) => f.aliases?.includes(name));
}
