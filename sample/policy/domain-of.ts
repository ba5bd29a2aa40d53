/** The domain of an address, lower-cased (`Bob@Example.TEST` → `example.test`). */
export const domainOf = (address: string): string => address.slice(address.lastIndexOf('@') + 1).toLowerCase();
