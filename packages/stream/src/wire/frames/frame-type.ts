/**
 * RFC 0029 §5.3: the type byte of each frame. 0x17 (StreamReceipt) is defined by
 * RFC 0039 and asn1/Stream.asn, not by RFC 0029's table; 0x07 (ConnectionAssetDetails)
 * is in RFC 0029 §5.3.14 but missing from asn1/Stream.asn. Both are on the wire.
 */
export enum FrameType {
  ConnectionClose = 0x01,
  ConnectionNewAddress = 0x02,
  ConnectionMaxData = 0x03,
  ConnectionDataBlocked = 0x04,
  ConnectionMaxStreamId = 0x05,
  ConnectionStreamIdBlocked = 0x06,
  ConnectionAssetDetails = 0x07,
  StreamClose = 0x10,
  StreamMoney = 0x11,
  StreamMaxMoney = 0x12,
  StreamMoneyBlocked = 0x13,
  StreamData = 0x14,
  StreamMaxData = 0x15,
  StreamDataBlocked = 0x16,
  StreamReceipt = 0x17,
}
