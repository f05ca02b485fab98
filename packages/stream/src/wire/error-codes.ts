/**
 * RFC 0029 §5.4: why a stream or connection was closed, carried as a UInt8 in
 * ConnectionClose and StreamClose frames. Decoders keep codes outside this table
 * as they are (any UInt8), so a frame from a newer peer still decodes.
 */
export enum StreamErrorCode {
  NoError = 0x01,
  InternalError = 0x02,
  EndpointBusy = 0x03,
  FlowControlError = 0x04,
  StreamIdError = 0x05,
  StreamStateError = 0x06,
  FrameFormatError = 0x07,
  ProtocolViolation = 0x08,
  ApplicationError = 0x09,
}
