/** CursorChannel messages (spice.proto `channel CursorChannel`). Cursor pixels stay raw bytes. */
import {CursorFlags} from '../enums.js';
import {bool8, bytes, flagSet, not, struct, u16, u64, u8, when} from '../schema.js';
import {empty, message} from '../message.js';
import {Point16} from './image.js';

export const CursorHeader = struct('CursorHeader', {
  unique: u64,
  type: u8,
  width: u16,
  height: u16,
  hot_spot_x: u16,
  hot_spot_y: u16,
});

/**
 * u16 CursorFlags; unless NONE is set a CursorHeader follows; the shape data runs to the end of the
 * message (so a Cursor is always last in its message).
 */
export const Cursor = struct('Cursor', {
  flags: u16,
  header: when(not(flagSet('flags', CursorFlags.NONE)), CursorHeader),
  data: bytes('rest'),
});

export const CursorServer = {
  INIT: message(
    101,
    'INIT',
    struct('CursorInit', {position: Point16, trail_length: u16, trail_frequency: u16, visible: bool8, cursor: Cursor}),
  ),
  RESET: message(102, 'RESET', empty),
  SET: message(103, 'SET', struct('CursorSet', {position: Point16, visible: bool8, cursor: Cursor})),
  MOVE: message(104, 'MOVE', struct('CursorMove', {position: Point16})),
  HIDE: message(105, 'HIDE', empty),
  TRAIL: message(106, 'TRAIL', struct('CursorTrail', {length: u16, frequency: u16})),
  INVAL_ONE: message(107, 'INVAL_ONE', struct('InvalOne', {id: u64})),
  INVAL_ALL: message(108, 'INVAL_ALL', empty),
} as const;

/** The cursor channel has no client messages beyond the common ones. */
export const CursorClient = {} as const;
