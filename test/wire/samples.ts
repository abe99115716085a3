/**
 * Hand-written sample values, at least one for every declared message, written from spice.proto and
 * vd_agent.h (not generated from the layouts). The round-trip test (messages.test.ts) and the fuzz test
 * (fuzz.test.ts) both use them. When a message is added to a catalogue, add a sample here: the round-trip
 * test fails for any declared message without one.
 */
import {
  AgentClipboardSelection,
  AgentClipboardType,
  AgentFileXferStatus,
  AgentMonitorsConfigFlags,
  AgentReplyError,
  AudioDataMode,
  AudioFmt,
  BitmapFlags,
  BitmapFmt,
  BrushType,
  ClipType,
  CompositeFlags,
  CursorFlags,
  CursorType,
  DataCompressionType,
  ImageCompression,
  ImageFlags,
  ImageScaleMode,
  ImageType,
  LineFlags,
  MaskFlags,
  PathFlags,
  PortEvent,
  ResourceType,
  Ropd,
  StreamFlags,
  StringFlags,
  SurfaceFlags,
  SurfaceFmt,
  VideoCodecType,
  VscMessageType,
} from '../../src/client/wire/enums.js';
import type {WireContext} from '../../src/client/wire/schema.js';
import type {MessageDef} from '../../src/client/wire/message.js';
import {AgentMessages} from '../../src/client/wire/messages/agent.js';
import {CommonClient, CommonServer} from '../../src/client/wire/messages/common.js';
import {CursorServer} from '../../src/client/wire/messages/cursor.js';
import {DisplayClient, DisplayServer} from '../../src/client/wire/messages/display.js';
import type {ImageInput} from '../../src/client/wire/messages/image.js';
import {InputsClient, InputsServer} from '../../src/client/wire/messages/inputs.js';
import {MainClient, MainServer} from '../../src/client/wire/messages/main.js';
import {PlaybackServer} from '../../src/client/wire/messages/playback.js';
import {RecordClient, RecordServer} from '../../src/client/wire/messages/record.js';
import {SmartcardClient, SmartcardServer} from '../../src/client/wire/messages/smartcard.js';
import {PortClient, PortServer, SpicevmcClient, SpicevmcServer} from '../../src/client/wire/messages/spicevmc.js';

export interface Sample {
  readonly def: MessageDef;
  readonly value: unknown;
  readonly ctx?: WireContext;
  readonly note?: string;
}

export const samples: Sample[] = [];

/** Type-checks the value against the message's write type. */
function add<W>(def: MessageDef<any, W>, value: W, opts: {ctx?: WireContext; note?: string} = {}): void {
  samples.push({def, value, ...opts});
}

const b = (...n: number[]) => new Uint8Array(n);
const text = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'));
const rect = (top: number, left: number, bottom: number, right: number) => ({top, left, bottom, right});
const noClip: {type: number; rects?: {rects: Array<ReturnType<typeof rect>>}} = {type: ClipType.NONE};
const twoRects: typeof noClip = {type: ClipType.RECTS, rects: {rects: [rect(0, 0, 10, 20), rect(10, 0, 20, 5)]}};
const base = (clip: typeof noClip = noClip) => ({surface_id: 0, box: rect(0, 0, 20, 20), clip});
const noMask = {flags: 0, pos: {x: 0, y: 0}, bitmap: null};
const desc = (id: bigint, type: number, width: number, height: number, flags = 0) => ({id, type, flags, width, height});

// ---------------------------------------------------------------- images, one of each type
const img = {
  bitmap8WithPalette: {
    descriptor: desc(0x1000n, ImageType.BITMAP, 4, 2, ImageFlags.CACHE_ME),
    bitmap: {
      format: BitmapFmt['8BIT'],
      flags: BitmapFlags.PAL_CACHE_ME | BitmapFlags.TOP_DOWN,
      x: 4,
      y: 2,
      stride: 4,
      palette: {unique: 77n, ents: [0xff000000, 0xffffffff, 0xffff0000]},
      data: b(0, 1, 2, 1, 2, 1, 0, 0),
    },
  },
  bitmap1FromCachePalette: {
    descriptor: desc(0x1001n, ImageType.BITMAP, 9, 2),
    bitmap: {format: BitmapFmt['1BIT_LE'], flags: BitmapFlags.PAL_FROM_CACHE, x: 9, y: 2, stride: 2, palette_id: 77n, data: b(0xff, 0x01, 0x00, 0x80)},
  },
  bitmap32: {
    descriptor: desc(0x1002n, ImageType.BITMAP, 1, 1),
    bitmap: {format: BitmapFmt['32BIT'], flags: 0, x: 1, y: 1, stride: 4, palette: null, data: b(1, 2, 3, 0)},
  },
  quic: {descriptor: desc(0x2000n, ImageType.QUIC, 16, 16), quic: {data: text('QUIC\0\0\0\0')}},
  lzRgb: {descriptor: desc(0x2001n, ImageType.LZ_RGB, 8, 8), lz_rgb: {data: b(0x20, 0x20, 0x5a, 0x4c, 0, 1, 0, 1)}},
  glzRgb: {descriptor: desc(0x2002n, ImageType.GLZ_RGB, 8, 8, ImageFlags.CACHE_ME), lz_rgb: {data: b(0x20, 0x20, 0x5a, 0x4c)}},
  jpeg: {descriptor: desc(0x2003n, ImageType.JPEG, 8, 8), jpeg: {data: b(0xff, 0xd8, 0xff, 0xd9)}},
  lz4: {descriptor: desc(0x2004n, ImageType.LZ4, 8, 8), lz4: {data: b(1, BitmapFmt['32BIT'], 0, 0, 0, 2, 0x10, 0)}},
  lzPlt: {
    descriptor: desc(0x2005n, ImageType.LZ_PLT, 8, 8),
    lz_plt: {flags: 0, palette: {unique: 5n, ents: [0x00112233]}, data: b(9, 9, 9)},
  },
  lzPltFromCache: {
    descriptor: desc(0x2006n, ImageType.LZ_PLT, 8, 8),
    lz_plt: {flags: BitmapFlags.PAL_FROM_CACHE, palette_id: 5n, data: b(7)},
  },
  zlibGlz: {descriptor: desc(0x2007n, ImageType.ZLIB_GLZ_RGB, 8, 8), zlib_glz: {glz_data_size: 100, data: b(0x78, 0x9c, 3, 0)}},
  jpegAlpha: {
    descriptor: desc(0x2008n, ImageType.JPEG_ALPHA, 8, 8),
    jpeg_alpha: {flags: 1, jpeg_size: 4, data: b(0xff, 0xd8, 0xff, 0xd9, 0x20, 0x20, 0x5a, 0x4c)},
  },
  surface: {descriptor: desc(0x2009n, ImageType.SURFACE, 64, 64), surface: {surface_id: 3}},
  fromCache: {descriptor: desc(0x1000n, ImageType.FROM_CACHE, 4, 2)},
  fromCacheLossless: {descriptor: desc(0x1000n, ImageType.FROM_CACHE_LOSSLESS, 4, 2)},
} satisfies Record<string, ImageInput>;

// ---------------------------------------------------------------- common (every channel)
add(CommonServer.MIGRATE, {flags: 3});
add(CommonServer.MIGRATE_DATA, {data: b(1, 2, 3, 4, 5)});
add(CommonServer.SET_ACK, {generation: 1, window: 20});
add(CommonServer.PING, {id: 7, timestamp: 123456789012n, data: new Uint8Array(16)});
add(CommonServer.WAIT_FOR_CHANNELS, {
  wait_list: [
    {channel_type: 2, channel_id: 0, message_serial: 1234n},
    {channel_type: 2, channel_id: 1, message_serial: 99n},
  ],
});
add(CommonServer.DISCONNECTING, {time_stamp: 5n, reason: 1});
add(CommonServer.NOTIFY, {time_stamp: 5n, severity: 1, visibility: 2, what: 0, message: 'keyboard grabbed'});
add(CommonServer.LIST, {data: b(1, 0, 6, 0, 0, 0)});
add(CommonClient.ACK_SYNC, {generation: 1});
add(CommonClient.ACK, {});
add(CommonClient.PONG, {id: 7, timestamp: 123456789012n});
add(CommonClient.MIGRATE_FLUSH_MARK, {});
add(CommonClient.MIGRATE_DATA, {data: b(9, 8, 7)});
add(CommonClient.DISCONNECTING, {time_stamp: 6n, reason: 0});

// ---------------------------------------------------------------- main
const dst = {port: 5900, sport: 5901, host_data: 'dst.example', cert_subject_data: 'CN=dst'};
add(MainServer.MIGRATE_BEGIN, {dst_info: dst});
add(MainServer.MIGRATE_CANCEL, {});
add(MainServer.INIT, {
  session_id: 0x12345678,
  display_channels_hint: 1,
  supported_mouse_modes: 3,
  current_mouse_mode: 1,
  agent_connected: 1,
  agent_tokens: 10,
  multi_media_time: 1000,
  ram_hint: 64 << 20,
});
add(MainServer.CHANNELS_LIST, {channels: [{type: 2, id: 0}, {type: 3, id: 0}, {type: 9, id: 1}]});
add(MainServer.MOUSE_MODE, {supported_modes: 3, current_mode: 2});
add(MainServer.MULTI_MEDIA_TIME, {time: 424242});
add(MainServer.AGENT_CONNECTED, {});
add(MainServer.AGENT_DISCONNECTED, {error_code: 0});
add(MainServer.AGENT_DATA, {data: b(1, 0, 0, 0, 6, 0, 0, 0)});
add(MainServer.AGENT_TOKEN, {num_tokens: 5});
add(MainServer.MIGRATE_SWITCH_HOST, {port: 5900, sport: 0, host_data: 'other', cert_subject_data: null});
add(MainServer.MIGRATE_END, {});
add(MainServer.NAME, {name: 'guest-1'});
add(MainServer.UUID, {uuid: b(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16)});
add(MainServer.AGENT_CONNECTED_TOKENS, {num_tokens: 10});
add(MainServer.MIGRATE_BEGIN_SEAMLESS, {dst_info: dst, src_mig_version: 2});
add(MainServer.MIGRATE_DST_SEAMLESS_ACK, {});
add(MainServer.MIGRATE_DST_SEAMLESS_NACK, {});
add(MainClient.CLIENT_INFO, {cache_size: 0n});
add(MainClient.MIGRATE_CONNECTED, {});
add(MainClient.MIGRATE_CONNECT_ERROR, {});
add(MainClient.ATTACH_CHANNELS, {});
add(MainClient.MOUSE_MODE_REQUEST, {mode: 2});
add(MainClient.AGENT_START, {num_tokens: 0xffffffff});
add(MainClient.AGENT_DATA, {data: b(1, 0, 0, 0)});
add(MainClient.AGENT_TOKEN, {num_tokens: 1});
add(MainClient.MIGRATE_END, {});
add(MainClient.MIGRATE_DST_DO_SEAMLESS, {src_version: 2});
add(MainClient.MIGRATE_CONNECTED_SEAMLESS, {});
add(MainClient.QUALITY_INDICATOR, {data: b(3)});

// ---------------------------------------------------------------- display, server
add(DisplayServer.MODE, {x_res: 1024, y_res: 768, bits: 32});
add(DisplayServer.MARK, {});
add(DisplayServer.RESET, {});
add(DisplayServer.COPY_BITS, {base: base(twoRects), src_pos: {x: 0, y: -16}});
add(DisplayServer.INVAL_LIST, {
  resources: [
    {type: ResourceType.PIXMAP, id: 0x1000n},
    {type: ResourceType.PIXMAP, id: 0xffffffffffffffffn},
  ],
});
add(DisplayServer.INVAL_ALL_PIXMAPS, {wait_list: [{channel_type: 2, channel_id: 1, message_serial: 77n}]});
add(DisplayServer.INVAL_ALL_PIXMAPS, {wait_list: []}, {note: 'empty wait list'});
add(DisplayServer.INVAL_PALETTE, {id: 77n});
add(DisplayServer.INVAL_ALL_PALETTES, {});
add(DisplayServer.STREAM_CREATE, {
  surface_id: 0,
  id: 3,
  flags: StreamFlags.TOP_DOWN,
  codec_type: VideoCodecType.MJPEG,
  stamp: 99n,
  stream_width: 320,
  stream_height: 240,
  src_width: 640,
  src_height: 480,
  dest: rect(10, 10, 250, 330),
  clip: twoRects,
});
add(DisplayServer.STREAM_DATA, {base: {id: 3, multi_media_time: 5000}, data: b(0xff, 0xd8, 0xff, 0xd9)});
add(DisplayServer.STREAM_CLIP, {id: 3, clip: {type: ClipType.RECTS, rects: {rects: [rect(0, 0, 1, 1)]}}});
add(DisplayServer.STREAM_CLIP, {id: 3, clip: noClip}, {note: 'no clip'});
add(DisplayServer.STREAM_DESTROY, {id: 3});
add(DisplayServer.STREAM_DESTROY_ALL, {});
add(DisplayServer.DRAW_FILL, {
  base: base(),
  data: {
    brush: {type: BrushType.SOLID, color: 0x00ff8800},
    rop_descriptor: Ropd.OP_PUT,
    mask: {flags: MaskFlags.INVERS, pos: {x: 1, y: 2}, bitmap: img.bitmap1FromCachePalette},
  },
});
add(DisplayServer.DRAW_OPAQUE, {
  base: base(twoRects),
  data: {
    src_bitmap: img.quic,
    src_area: rect(0, 0, 16, 16),
    brush: {type: BrushType.PATTERN, pattern: {pat: img.fromCache, pos: {x: -1, y: -2}}},
    rop_descriptor: Ropd.OP_AND | Ropd.INVERS_BRUSH,
    scale_mode: ImageScaleMode.NEAREST,
    mask: noMask,
  },
});
add(DisplayServer.DRAW_COPY, {
  base: base(),
  data: {src_bitmap: img.bitmap8WithPalette, src_area: rect(0, 0, 2, 4), rop_descriptor: Ropd.OP_PUT, scale_mode: 0, mask: noMask},
});
add(
  DisplayServer.DRAW_COPY,
  {base: base(), data: {src_bitmap: img.bitmap32, src_area: rect(0, 0, 1, 1), rop_descriptor: Ropd.OP_PUT, scale_mode: 0, mask: noMask}},
  {note: '32-bit bitmap without palette'},
);
add(
  DisplayServer.DRAW_COPY,
  {base: base(), data: {src_bitmap: img.lzRgb, src_area: rect(0, 0, 8, 8), rop_descriptor: Ropd.OP_PUT, scale_mode: 0, mask: noMask}},
  {note: 'LZ_RGB'},
);
add(
  DisplayServer.DRAW_COPY,
  {base: base(), data: {src_bitmap: null, src_area: rect(0, 0, 0, 0), rop_descriptor: 0, scale_mode: 0, mask: noMask}},
  {note: 'null source'},
);
add(DisplayServer.DRAW_BLEND, {
  base: base(),
  data: {src_bitmap: img.glzRgb, src_area: rect(0, 0, 8, 8), rop_descriptor: Ropd.OP_XOR, scale_mode: 0, mask: noMask},
});
add(DisplayServer.DRAW_BLACKNESS, {base: base(twoRects), data: {mask: noMask}});
add(DisplayServer.DRAW_WHITENESS, {base: base(), data: {mask: {flags: 0, pos: {x: 0, y: 0}, bitmap: img.surface}}});
add(DisplayServer.DRAW_INVERS, {base: base(), data: {mask: {flags: MaskFlags.INVERS, pos: {x: 3, y: 3}, bitmap: img.fromCacheLossless}}});
add(DisplayServer.DRAW_ROP3, {
  base: base(),
  data: {src_bitmap: img.lzPlt, src_area: rect(0, 0, 8, 8), brush: {type: BrushType.NONE}, rop3: 0xcc, scale_mode: 0, mask: noMask},
});
add(
  DisplayServer.DRAW_ROP3,
  {
    base: base(),
    data: {src_bitmap: img.lzPltFromCache, src_area: rect(0, 0, 8, 8), brush: {type: BrushType.SOLID, color: 1}, rop3: 0x5a, scale_mode: 1, mask: noMask},
  },
  {note: 'LZ_PLT with a cached palette'},
);
add(DisplayServer.DRAW_STROKE, {
  base: base(),
  data: {
    path: {
      segments: [
        {flags: PathFlags.BEGIN, points: [{x: 0, y: 0}, {x: 160, y: 0}]},
        {flags: PathFlags.END | PathFlags.CLOSE | PathFlags.BEZIER, points: [{x: 160, y: 160}, {x: 0, y: 160}, {x: 0, y: 0}]},
      ],
    },
    attr: {flags: LineFlags.STYLED | LineFlags.START_WITH_GAP, style: [16, 32, 48]},
    brush: {type: BrushType.SOLID, color: 0xff},
    fore_mode: 0x0d,
    back_mode: 0x0d,
  },
});
add(
  DisplayServer.DRAW_STROKE,
  {
    base: base(),
    data: {path: {segments: []}, attr: {flags: 0}, brush: {type: BrushType.NONE}, fore_mode: 0, back_mode: 0},
  },
  {note: 'plain line attributes'},
);
const glyphA1 = {render_pos: {x: 10, y: 20}, glyph_origin: {x: 0, y: -9}, width: 9, height: 2, data: b(0xff, 0x80, 0x41, 0x00)};
add(DisplayServer.DRAW_TEXT, {
  base: base(),
  data: {
    str: {flags: StringFlags.RASTER_A1 | StringFlags.RASTER_TOP_DOWN, glyphs: [glyphA1, {...glyphA1, render_pos: {x: 19, y: 20}}]},
    back_area: rect(0, 0, 0, 0),
    fore_brush: {type: BrushType.SOLID, color: 0},
    back_brush: {type: BrushType.NONE},
    fore_mode: 0x0d,
    back_mode: 0x0d,
  },
});
add(
  DisplayServer.DRAW_TEXT,
  {
    base: base(),
    data: {
      str: {flags: StringFlags.RASTER_A4, glyphs: [{render_pos: {x: 1, y: 1}, glyph_origin: {x: 0, y: 0}, width: 3, height: 2, data: b(0x12, 0x30, 0x45, 0x60)}]},
      back_area: rect(0, 0, 4, 4),
      fore_brush: {type: BrushType.SOLID, color: 0},
      back_brush: {type: BrushType.SOLID, color: 0xffffff},
      fore_mode: 0,
      back_mode: 0,
    },
  },
  {note: 'A4 glyphs'},
);
add(
  DisplayServer.DRAW_TEXT,
  {
    base: base(),
    data: {
      str: {flags: StringFlags.RASTER_A8, glyphs: [{render_pos: {x: 1, y: 1}, glyph_origin: {x: 0, y: 0}, width: 2, height: 2, data: b(0, 64, 128, 255)}]},
      back_area: rect(0, 0, 4, 4),
      fore_brush: {type: BrushType.SOLID, color: 0},
      back_brush: {type: BrushType.NONE},
      fore_mode: 0,
      back_mode: 0,
    },
  },
  {note: 'A8 glyphs'},
);
add(DisplayServer.DRAW_TRANSPARENT, {
  base: base(),
  data: {src_bitmap: img.jpeg, src_area: rect(0, 0, 8, 8), src_color: 0xff00ff, true_color: 0xff00ff},
});
add(DisplayServer.DRAW_ALPHA_BLEND, {
  base: base(),
  data: {alpha_flags: 1, alpha: 128, src_bitmap: img.lz4, src_area: rect(0, 0, 8, 8)},
});
add(DisplayServer.SURFACE_CREATE, {surface_id: 0, width: 1024, height: 768, format: SurfaceFmt['32_xRGB'], flags: SurfaceFlags.PRIMARY});
add(DisplayServer.SURFACE_DESTROY, {surface_id: 0});
add(DisplayServer.STREAM_DATA_SIZED, {
  base: {id: 3, multi_media_time: 5040},
  width: 300,
  height: 200,
  dest: rect(0, 0, 200, 300),
  data: b(0xff, 0xd8, 0xff, 0xd9, 0),
});
add(DisplayServer.MONITORS_CONFIG, {
  max_allowed: 4,
  heads: [
    {monitor_id: 0, surface_id: 0, width: 1024, height: 768, x: 0, y: 0, flags: 0},
    {monitor_id: 1, surface_id: 0, width: 800, height: 600, x: 1024, y: 0, flags: 0},
  ],
});
const identity = {t00: 0x10000, t01: 0, t02: 0, t10: 0, t11: 0x10000, t12: 0};
add(DisplayServer.DRAW_COMPOSITE, {
  base: base(),
  data: {
    flags: 3 | CompositeFlags.HAS_MASK | CompositeFlags.HAS_SRC_TRANSFORM | CompositeFlags.HAS_MASK_TRANSFORM | CompositeFlags.COMPONENT_ALPHA,
    src_bitmap: img.zlibGlz,
    mask_bitmap: img.jpegAlpha,
    src_transform: identity,
    mask_transform: {...identity, t02: 0xfff80000},
    src_origin: {x: -3, y: 4},
    mask_origin: {x: 5, y: -6},
  },
});
add(
  DisplayServer.DRAW_COMPOSITE,
  {base: base(), data: {flags: 1, src_bitmap: img.surface, src_origin: {x: 0, y: 0}, mask_origin: {x: 0, y: 0}}},
  {note: 'no mask, no transforms'},
);
add(DisplayServer.STREAM_ACTIVATE_REPORT, {stream_id: 3, unique_id: 1, max_window_size: 30, timeout_ms: 1000});
add(DisplayServer.GL_SCANOUT_UNIX, {width: 1024, height: 768, stride: 4096, drm_fourcc_format: 0x34325258, flags: 1});
add(DisplayServer.GL_DRAW, {x: 0, y: 0, w: 1024, h: 768});
add(DisplayServer.QUALITY_INDICATOR, {data: b(1, 2)});

// ---------------------------------------------------------------- display, client
add(DisplayClient.INIT, {pixmap_cache_id: 1, pixmap_cache_size: 20971520n, glz_dictionary_id: 1, glz_dictionary_window_size: 3145728});
add(DisplayClient.STREAM_REPORT, {
  stream_id: 3,
  unique_id: 1,
  start_frame_mm_time: 5000,
  end_frame_mm_time: 6000,
  num_frames: 25,
  num_drops: 1,
  last_frame_delay: -40,
  audio_delay: 0xffffffff,
});
add(DisplayClient.PREFERRED_COMPRESSION, {image_compression: ImageCompression.AUTO_LZ});
add(DisplayClient.GL_DRAW_DONE, {});
add(DisplayClient.PREFERRED_VIDEO_CODEC_TYPE, {codecs: [VideoCodecType.H264, VideoCodecType.VP8, VideoCodecType.MJPEG]});

// ---------------------------------------------------------------- inputs
add(InputsServer.INIT, {keyboard_modifiers: 2});
add(InputsServer.KEY_MODIFIERS, {modifiers: 6});
add(InputsServer.MOUSE_MOTION_ACK, {});
add(InputsClient.KEY_DOWN, {code: 0x1e});
add(InputsClient.KEY_UP, {code: 0xc8e0});
add(InputsClient.KEY_MODIFIERS, {modifiers: 1});
add(InputsClient.KEY_SCANCODE, {data: b(0xe1, 0x1d, 0x45, 0xe1, 0x9d, 0xc5)});
add(InputsClient.MOUSE_MOTION, {dx: -5, dy: 7, buttons_state: 1});
add(InputsClient.MOUSE_POSITION, {x: 640, y: 480, buttons_state: 0, display_id: 0});
add(InputsClient.MOUSE_PRESS, {button: 4, buttons_state: 8});
add(InputsClient.MOUSE_RELEASE, {button: 4, buttons_state: 0});

// ---------------------------------------------------------------- cursor
const alphaCursor = {
  flags: CursorFlags.CACHE_ME,
  header: {unique: 0xabcn, type: CursorType.ALPHA, width: 1, height: 2, hot_spot_x: 0, hot_spot_y: 1},
  data: b(1, 2, 3, 255, 4, 5, 6, 255),
};
add(CursorServer.INIT, {position: {x: 100, y: -1}, trail_length: 0, trail_frequency: 0, visible: true, cursor: alphaCursor});
add(CursorServer.INIT, {position: {x: 0, y: 0}, trail_length: 0, trail_frequency: 0, visible: false, cursor: {flags: CursorFlags.NONE, data: b()}}, {
  note: 'no cursor',
});
add(CursorServer.RESET, {});
add(CursorServer.SET, {position: {x: 5, y: 6}, visible: true, cursor: alphaCursor});
add(CursorServer.SET, {
  position: {x: 5, y: 6},
  visible: true,
  cursor: {flags: CursorFlags.FROM_CACHE, header: {unique: 0xabcn, type: 0, width: 0, height: 0, hot_spot_x: 0, hot_spot_y: 0}, data: b()},
}, {note: 'from cache'});
add(CursorServer.MOVE, {position: {x: -2, y: 300}});
add(CursorServer.HIDE, {});
add(CursorServer.TRAIL, {length: 4, frequency: 2});
add(CursorServer.INVAL_ONE, {id: 0xabcn});
add(CursorServer.INVAL_ALL, {});

// ---------------------------------------------------------------- playback and record
add(PlaybackServer.DATA, {time: 1000, data: new Uint8Array(32).fill(3)});
add(PlaybackServer.MODE, {time: 1000, mode: AudioDataMode.OPUS, data: b()});
add(PlaybackServer.START, {channels: 2, format: AudioFmt.S16, frequency: 48000, time: 1000});
add(PlaybackServer.STOP, {});
add(PlaybackServer.VOLUME, {volume: [0x8000, 0xffff]});
add(PlaybackServer.MUTE, {mute: true});
add(PlaybackServer.LATENCY, {latency_ms: 100});
add(RecordServer.START, {channels: 2, format: AudioFmt.S16, frequency: 48000});
add(RecordServer.STOP, {});
add(RecordServer.VOLUME, {volume: [100]});
add(RecordServer.MUTE, {mute: false});
add(RecordClient.DATA, {time: 2000, data: new Uint8Array(40).fill(9)});
add(RecordClient.MODE, {time: 2000, mode: AudioDataMode.RAW, data: b()});
add(RecordClient.START_MARK, {time: 2000});

// ---------------------------------------------------------------- smartcard
add(SmartcardServer.DATA, {type: VscMessageType.APDU, reader_id: 0, data: b(0x00, 0xa4, 0x04, 0x00)});
add(SmartcardServer.DATA, {type: VscMessageType.Error, reader_id: 0, data: b(0, 0, 0, 0)}, {note: 'error SUCCESS'});
add(SmartcardClient.DATA, {type: VscMessageType.ReaderAdd, reader_id: 0xffffffff, data: text('Reader 0\0')});
add(SmartcardClient.DATA, {type: VscMessageType.CardRemove, reader_id: 0, data: b()}, {note: 'empty payload'});

// ---------------------------------------------------------------- spicevmc (usbredir, port, webdav)
add(SpicevmcServer.DATA, {data: b(0, 0, 0, 0, 68, 0, 0, 0, 0, 0, 0, 0)});
add(SpicevmcServer.COMPRESSED_DATA, {type: DataCompressionType.LZ4, uncompressed_size: 4000, compressed_data: b(0x1f, 0, 1, 0)});
add(SpicevmcServer.COMPRESSED_DATA, {type: DataCompressionType.NONE, compressed_data: b(1, 2, 3)}, {note: 'NONE'});
add(SpicevmcClient.DATA, {data: b(1)});
add(SpicevmcClient.COMPRESSED_DATA, {type: DataCompressionType.LZ4, uncompressed_size: 2000, compressed_data: b(0xf0, 1)});
add(PortServer.INIT, {name: 'org.qemu.monitor.qmp.0', opened: true});
add(PortServer.EVENT, {event: PortEvent.CLOSED});
add(PortClient.EVENT, {event: PortEvent.OPENED});

// ---------------------------------------------------------------- agent payloads (inside MAIN AGENT_DATA)
export const agentSamples: Sample[] = [];
function agent<W>(def: MessageDef<any, W>, value: W, opts: {ctx?: WireContext; note?: string} = {}): void {
  agentSamples.push({def, value, ...opts});
}
const sel = {caps: new Set(['agent:CLIPBOARD_SELECTION'])};
const selSerial = {caps: new Set(['agent:CLIPBOARD_SELECTION', 'agent:CLIPBOARD_GRAB_SERIAL'])};

agent(AgentMessages.MOUSE_STATE, {x: 100, y: 200, buttons: 1 << 1, display_id: 0});
agent(AgentMessages.MONITORS_CONFIG, {
  flags: AgentMonitorsConfigFlags.USE_POS,
  monitors: [{height: 768, width: 1024, depth: 32, x: 0, y: 0}],
});
agent(
  AgentMessages.MONITORS_CONFIG,
  {
    flags: AgentMonitorsConfigFlags.USE_POS | AgentMonitorsConfigFlags.PHYSICAL_SIZE,
    monitors: [
      {height: 1080, width: 1920, depth: 32, x: 0, y: 0},
      {height: 0, width: 0, depth: 32, x: -1, y: 0},
    ],
    physical_sizes: [
      {height: 300, width: 530},
      {height: 0, width: 0},
    ],
  },
  {note: 'physical sizes'},
);
agent(AgentMessages.REPLY, {type: 2, error: AgentReplyError.SUCCESS});
agent(AgentMessages.CLIPBOARD, {type: AgentClipboardType.UTF8_TEXT, data: text('hello')});
agent(AgentMessages.CLIPBOARD, {selection: AgentClipboardSelection.PRIMARY, type: AgentClipboardType.IMAGE_PNG, data: b(0x89, 0x50)}, {
  ctx: sel,
  note: 'selection cap',
});
agent(AgentMessages.DISPLAY_CONFIG, {flags: 8, depth: 16});
agent(AgentMessages.ANNOUNCE_CAPABILITIES, {request: 1, caps: [0x3107]});
agent(AgentMessages.CLIPBOARD_GRAB, {types: [AgentClipboardType.UTF8_TEXT]});
agent(AgentMessages.CLIPBOARD_GRAB, {selection: 0, types: [1, 2]}, {ctx: sel, note: 'selection cap'});
agent(AgentMessages.CLIPBOARD_GRAB, {selection: 1, serial: 42, types: [1]}, {ctx: selSerial, note: 'selection and serial caps'});
agent(AgentMessages.CLIPBOARD_REQUEST, {type: AgentClipboardType.UTF8_TEXT});
agent(AgentMessages.CLIPBOARD_REQUEST, {selection: 2, type: 1}, {ctx: sel, note: 'selection cap'});
agent(AgentMessages.CLIPBOARD_RELEASE, {});
agent(AgentMessages.CLIPBOARD_RELEASE, {selection: 1}, {ctx: sel, note: 'selection cap'});
agent(AgentMessages.FILE_XFER_START, {id: 1, data: '[vdagent-file-xfer]\nname=a.txt\nsize=3\n'});
agent(AgentMessages.FILE_XFER_STATUS, {id: 1, result: AgentFileXferStatus.CAN_SEND_DATA, data: b()});
agent(AgentMessages.FILE_XFER_STATUS, {id: 1, result: AgentFileXferStatus.NOT_ENOUGH_SPACE, data: b(0, 0x10, 0, 0, 0, 0, 0, 0)}, {
  note: 'with detail',
});
agent(AgentMessages.FILE_XFER_DATA, {id: 1, data: text('abc')});
agent(AgentMessages.CLIENT_DISCONNECTED, {});
agent(AgentMessages.MAX_CLIPBOARD, {max: -1});
agent(AgentMessages.AUDIO_VOLUME_SYNC, {is_playback: true, mute: false, volume: [0x8000, 0x8000]});
agent(AgentMessages.GRAPHICS_DEVICE_INFO, {
  display_info: [
    {channel_id: 0, monitor_id: 0, device_display_id: 0, device_address: 'pci/0000/02.0'},
    {channel_id: 0, monitor_id: 1, device_display_id: 1, device_address: 'pci/0000/02.0'},
  ],
});
