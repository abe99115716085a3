/**
 * The typical Huffman tables of ITU T.81 Annex K.3 (K.3.3: BITS then HUFFVAL) for luminance (table 0)
 * and chrominance (table 1). Motion-JPEG frames leave out their DHT segments; libjpeg(-turbo) then decodes
 * with these, and so do we (spice-server's MJPEG encoder sends them only with its first frame).
 */
import {buildHuffmanTable, type HuffmanTable} from './jpeg-huffman.js';

const hex = (s: string) => Uint8Array.from(s.match(/../g)!, (b) => parseInt(b, 16));

const DC_LUMA = ['00010501010101010100000000000000', '000102030405060708090a0b'];
const DC_CHROMA = ['00030101010101010101010000000000', '000102030405060708090a0b'];
const AC_LUMA = [
  '0002010303020403050504040000017d',
  '01020300041105122131410613516107227114328191a1082342b1c11552d1f02433627282090a161718191a25262728292a3435363738393a434445464748494a535455565758595a636465666768696a737475767778797a838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2f3f4f5f6f7f8f9fa',
];
const AC_CHROMA = [
  '00020102040403040705040400010277',
  '000102031104052131061241510761711322328108144291a1b1c109233352f0156272d10a162434e125f11718191a262728292a35363738393a434445464748494a535455565758595a636465666768696a737475767778797a82838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae2e3e4e5e6e7e8e9eaf2f3f4f5f6f7f8f9fa',
];

const build = ([bits, vals]: string[]) => buildHuffmanTable(hex(bits!), hex(vals!));

/** Default DC and AC tables for slots 0 and 1, built once. */
export const STD_DC: HuffmanTable[] = [build(DC_LUMA), build(DC_CHROMA)];
export const STD_AC: HuffmanTable[] = [build(AC_LUMA), build(AC_CHROMA)];
