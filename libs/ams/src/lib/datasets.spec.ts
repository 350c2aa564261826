import {
  ENTITY_DATASETS,
  KNOWN_UNSUPPORTED_DATASETS,
  PERFORMANCE_DATASETS,
  PUBLISHER_ACCOUNTS,
  REALM_REGION,
  RECOMMENDATION_DATASETS,
  SUPPORTED_DATASETS,
  identifyPublisher,
  isAmazonSnsUrl,
  isSteadyDataset,
  isSupportedDataset,
} from './datasets';

describe('datasets', () => {
  it('lists the supported datasets', () => {
    expect(SUPPORTED_DATASETS).toEqual([
      ...PERFORMANCE_DATASETS,
      'budget-usage',
      ...ENTITY_DATASETS,
      ...RECOMMENDATION_DATASETS,
    ]);
    expect(SUPPORTED_DATASETS).toHaveLength(12);
    for (const ds of SUPPORTED_DATASETS) expect(KNOWN_UNSUPPORTED_DATASETS.has(ds)).toBe(false);
  });

  it('a silence is normal only for the recommendations', () => {
    expect(isSupportedDataset('sp-budget-recommendations')).toBe(true);
    expect(isSteadyDataset('sp-budget-recommendations')).toBe(false);
    expect(isSteadyDataset('sp-traffic')).toBe(true);
    expect(isSteadyDataset('budget-usage')).toBe(true);
    expect(isSteadyDataset('sb-clickstream')).toBe(false);
  });

  it('isSupportedDataset', () => {
    expect(isSupportedDataset('sp-traffic')).toBe(true);
    expect(isSupportedDataset('budget-usage')).toBe(true);
    expect(isSupportedDataset('targets')).toBe(true);
    expect(isSupportedDataset('sb-clickstream')).toBe(false);
    expect(isSupportedDataset('SP-TRAFFIC')).toBe(false);
    expect(isSupportedDataset(42)).toBe(false);
    expect(isSupportedDataset(null)).toBe(false);
    expect(isSupportedDataset('toString')).toBe(false);
  });

  it('realm regions', () => {
    expect(REALM_REGION).toEqual({
      NA: 'us-east-1',
      EU: 'eu-west-1',
      FE: 'us-west-2',
    });
  });

  it('has publisher accounts for every supported dataset and the known unsupported ones', () => {
    for (const ds of SUPPORTED_DATASETS) expect(PUBLISHER_ACCOUNTS[ds]).toBeDefined();
    for (const ds of ['sb-clickstream', 'sb-rich-media', 'adsp-adgroup-targets']) {
      expect(PUBLISHER_ACCOUNTS[ds]).toBeDefined();
      expect(KNOWN_UNSUPPORTED_DATASETS.has(ds)).toBe(true);
    }
    const all = Object.values(PUBLISHER_ACCOUNTS).flatMap((r) => Object.values(r));
    expect(new Set(all).size).toBe(all.length); // every account is unique
    for (const a of all) expect(a).toMatch(/^\d{12}$/);
  });

  describe('identifyPublisher', () => {
    it('identifies sp-traffic NA', () => {
      expect(identifyPublisher('arn:aws:sns:us-east-1:906013806264:EXAMPLE-TOPIC-NAME')).toEqual({
        dataset: 'sp-traffic',
        realm: 'NA',
        region: 'us-east-1',
        account: '906013806264',
      });
    });

    it('identifies EU and FE accounts and unsupported datasets', () => {
      expect(identifyPublisher('arn:aws:sns:eu-west-1:675750596317:t')).toMatchObject({
        dataset: 'budget-usage',
        realm: 'EU',
      });
      expect(identifyPublisher('arn:aws:sns:us-west-2:248074939493:t')).toMatchObject({
        dataset: 'targets',
        realm: 'FE',
      });
      expect(identifyPublisher('arn:aws:sns:us-east-1:091028706140:t')).toMatchObject({ dataset: 'sb-clickstream' });
      // leading zero account kept as a string
      expect(identifyPublisher('arn:aws:sns:us-east-1:055588217351:t')).toMatchObject({ account: '055588217351' });
    });

    it('rejects a publisher account in the wrong region', () => {
      expect(identifyPublisher('arn:aws:sns:eu-west-1:906013806264:EXAMPLE')).toBeNull();
      expect(identifyPublisher('arn:aws:sns:us-west-2:906013806264:EXAMPLE')).toBeNull();
    });

    it('rejects foreign accounts and malformed ARNs', () => {
      for (const arn of [
        'arn:aws:sns:us-east-1:123456789012:EXAMPLE',
        'arn:aws:sqs:us-east-1:906013806264:EXAMPLE',
        'arn:aws-cn:sns:us-east-1:906013806264:EXAMPLE',
        'arn:aws:sns:us-east-1:906013806264',
        'arn:aws:sns:us-east-1:906013806264:',
        'arn:aws:sns:us-east-1:906013806264:a:b',
        'arn:aws:sns:us-east-1:90601380626:EXAMPLE',
        ' arn:aws:sns:us-east-1:906013806264:EXAMPLE',
        '',
      ]) {
        expect(identifyPublisher(arn)).toBeNull();
      }
      expect(identifyPublisher(42 as unknown as string)).toBeNull();
    });
  });

  describe('isAmazonSnsUrl', () => {
    const url = 'https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=x&Token=y';
    it('accepts sns.<region>.amazonaws.com over https', () => {
      expect(isAmazonSnsUrl(url)).toBe(true);
      expect(isAmazonSnsUrl(url, 'us-east-1')).toBe(true);
      expect(isAmazonSnsUrl('https://sns.eu-west-1.amazonaws.com/x', 'eu-west-1')).toBe(true);
    });
    it('rejects other hosts, schemes, ports, credentials and regions', () => {
      expect(isAmazonSnsUrl(url, 'eu-west-1')).toBe(false);
      expect(isAmazonSnsUrl(url.replace('https:', 'http:'))).toBe(false);
      expect(isAmazonSnsUrl('https://sns.us-east-1.amazonaws.com.evil.example/x')).toBe(false);
      expect(isAmazonSnsUrl('https://evil.example/sns.us-east-1.amazonaws.com/')).toBe(false);
      expect(isAmazonSnsUrl('https://sns.us-east-1.amazonaws.com@evil.example/')).toBe(false);
      expect(isAmazonSnsUrl('https://user:pw@sns.us-east-1.amazonaws.com/')).toBe(false);
      expect(isAmazonSnsUrl('https://sns.us-east-1.amazonaws.com:8443/')).toBe(false);
      expect(isAmazonSnsUrl('https://sqs.us-east-1.amazonaws.com/')).toBe(false);
      expect(isAmazonSnsUrl('https://x.sns.us-east-1.amazonaws.com/')).toBe(false);
      expect(isAmazonSnsUrl('not a url')).toBe(false);
      expect(isAmazonSnsUrl('')).toBe(false);
    });
  });
});
