// Stylesheets are bundled by vite; TypeScript only needs to know the imports exist.
declare module '*.css';
