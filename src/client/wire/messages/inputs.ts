/** InputsChannel messages (spice.proto `channel InputsChannel`). */
import {bytes, i32, struct, u16, u32, u8} from '../schema.js';
import {empty, message} from '../message.js';

export const InputsServer = {
  /** The guest's lock-key state (KeyboardModifierFlags) when the channel opens. */
  INIT: message(101, 'INIT', struct('InputsInit', {keyboard_modifiers: u16})),
  KEY_MODIFIERS: message(102, 'KEY_MODIFIERS', struct('KeyModifiers', {modifiers: u16})),
  /** Sent once per SPICE_INPUT_MOTION_ACK_BUNCH motion or position messages. */
  MOUSE_MOTION_ACK: message(111, 'MOUSE_MOTION_ACK', empty),
} as const;

export const InputsClient = {
  /** code: PC-XT set 1 scancode bytes packed little-endian, low byte first (E0 xx = 0xE0 | xx << 8). */
  KEY_DOWN: message(101, 'KEY_DOWN', struct('KeyDown', {code: u32})),
  KEY_UP: message(102, 'KEY_UP', struct('KeyUp', {code: u32})),
  KEY_MODIFIERS: message(103, 'KEY_MODIFIERS', struct('KeyModifiers', {modifiers: u16})),
  /** Inputs cap KEY_SCANCODE: raw set 1 scancode bytes to the end of the message. */
  KEY_SCANCODE: message(104, 'KEY_SCANCODE', struct('KeyScancode', {data: bytes('rest')})),
  /** Relative motion (server mouse mode); buttons_state is a MouseButtonMask. */
  MOUSE_MOTION: message(111, 'MOUSE_MOTION', struct('MouseMotion', {dx: i32, dy: i32, buttons_state: u16})),
  /** Absolute position (client mouse mode). */
  MOUSE_POSITION: message(112, 'MOUSE_POSITION', struct('MousePosition', {x: u32, y: u32, buttons_state: u16, display_id: u8})),
  /** button is a MouseButton; buttons_state the mask after the event. */
  MOUSE_PRESS: message(113, 'MOUSE_PRESS', struct('MousePress', {button: u8, buttons_state: u16})),
  MOUSE_RELEASE: message(114, 'MOUSE_RELEASE', struct('MouseRelease', {button: u8, buttons_state: u16})),
} as const;
