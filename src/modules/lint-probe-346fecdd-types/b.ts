export interface B { n: number }
