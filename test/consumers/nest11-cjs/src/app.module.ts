import { Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { FumiModule } from 'nestjs-fumi';
import { MailModule } from './mail/mail.module';
import { smtpConfig } from './mail/smtp.config';

@Module({
  imports: [
    ConfigModule.forRoot({
      isGlobal: true,
      ignoreEnvFile: true,
      load: [smtpConfig],
    }),
    FumiModule.forRootAsync({
      imports: [ConfigModule],
      inject: [ConfigService],
      useFactory: (config: ConfigService) => ({
        host: config.getOrThrow<string>('smtp.host'),
        port: config.getOrThrow<number>('smtp.port'),
        disableReverseLookup: true,
        // no certificate here, so no STARTTLS, and no AUTH without it
        disabledCommands: ['STARTTLS', 'AUTH'],
      }),
    }),
    MailModule,
  ],
})
export class AppModule {}
