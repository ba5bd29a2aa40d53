export { SmtpTestClient, type SmtpTestClientOptions, type TestMessage } from './smtp-test-client.js';
export { takeReplies, type SmtpReply } from './smtp-reply.js';
export { createTestCertificate, type TestCertificate, type TestCertificateOptions } from './test-certificate.js';
