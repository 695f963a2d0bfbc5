export const serveCommand = async () => {};
