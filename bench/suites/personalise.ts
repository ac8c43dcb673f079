export interface PersonaliseResult {
  readers: number;
  msPerReader: number;
  mjmlMsPerReader: number;
  description: string;
  baselineDescription: string;
  messageBytes: number;
}

export async function runPersonalise(_readers: number, _mjmlReaders: number): Promise<PersonaliseResult> {
  throw new Error('digest personalisation code path not landed yet');
}
