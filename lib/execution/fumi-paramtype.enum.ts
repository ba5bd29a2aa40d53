/** What a parameter decorator asks the params factory for. */
export enum FumiParamType {
  CONTEXT = 0,
  NEXT = 1,
  SESSION = 2,
  ENVELOPE = 3,
  ADDRESS = 4,
  MAIL_FROM = 5,
  CREDENTIALS = 6,
  AUTH_USER = 7,
  MESSAGE_STREAM = 8,
  PARSED_MAIL = 9,
}
