/**
 * The SPICE ticket: RSA-1024 OAEP (SHA-1, MGF1-SHA1, empty label) of the UTF-8 password plus its NUL,
 * under the public key (DER SubjectPublicKeyInfo) that the server sends in SpiceLinkReply.pub_key.
 */
import {constants, createPublicKey, publicEncrypt} from 'node:crypto';
import {SPICE_MAX_PASSWORD_LENGTH} from '../wire/enums.js';
import {SpiceError} from '../errors.js';

export function encryptTicket(pubKeyDer: Uint8Array, password: string | undefined): Uint8Array {
  const pw = password ?? '';
  if ([...pw].length > SPICE_MAX_PASSWORD_LENGTH) {
    throw new SpiceError('usage', `the password is longer than SPICE's limit of ${SPICE_MAX_PASSWORD_LENGTH} characters`);
  }
  let key;
  try {
    key = createPublicKey({key: Buffer.from(pubKeyDer), format: 'der', type: 'spki'});
  } catch (e) {
    throw new SpiceError('protocol', `the server sent an unusable ticket public key: ${(e as Error).message}`);
  }
  const plain = Buffer.concat([Buffer.from(pw, 'utf8'), Buffer.from([0])]);
  return publicEncrypt({key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1'}, plain);
}
